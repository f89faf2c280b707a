/**
 * R2DBC tracing: {@link io.weft.r2dbc.R2dbcTracing} wraps any {@code ConnectionFactory}, and the {@code
 * r2dbc:tracing:} URL driver does the same with the global tracer, so that every statement, batch and transaction call
 * becomes a SQL dependency.
 */
@NullMarked
package io.weft.r2dbc;

import org.jspecify.annotations.NullMarked;
