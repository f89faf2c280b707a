/**
 * Weft's tracing core: {@link io.weft.core.Tracer}, {@link io.weft.core.Span} and the span operators for Reactor.
 * The current span travels in the Reactor {@code Context} under {@link io.weft.core.ContextKeys#SPAN}.
 */
@NullMarked
package io.weft.core;

import org.jspecify.annotations.NullMarked;
