/**
 * Vert.x 5 tracing: {@link io.weft.vertx.VertxTracing} implements Vert.x's {@code VertxTracerFactory}, so that one line
 * of setup traces the HTTP server, the HTTP client and WebClient, and the SQL clients.
 */
@NullMarked
package io.weft.vertx;

import org.jspecify.annotations.NullMarked;
