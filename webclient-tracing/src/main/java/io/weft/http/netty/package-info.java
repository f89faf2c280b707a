/**
 * Tracing for reactor-netty: {@link io.weft.http.netty.ReactorNettyClientTracing} decorates an {@code HttpClient}
 * (the engine under Spring's {@code WebClient}), {@link io.weft.http.netty.ReactorNettyServerTracing} wraps an {@code
 * HttpServer}'s handler or routes. Both are thin adapters on {@link io.weft.core.instrumentation.HttpClientHandler} and
 * {@link io.weft.core.instrumentation.HttpServerHandler}.
 */
@NullMarked
package io.weft.http.netty;

import org.jspecify.annotations.NullMarked;
