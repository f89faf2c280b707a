package io.weft.spring;

import io.weft.core.Span;
import io.weft.core.instrumentation.HttpServerHandler;
import io.weft.core.instrumentation.HttpSpans;
import org.jspecify.annotations.Nullable;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.pattern.PathPattern;

/**
 * What the filter chain learns about one traced request that the outer {@link TracingHttpHandler} cannot see: the
 * route template that matched and the exception the chain failed with before an exception handler turned it into a
 * response. Carried from the outer handler to {@link RouteNamingFilter} in the exchange's Reactor context.
 */
final class ServerExchangeState {
  /** The Reactor-context key of the state. */
  static final Class<ServerExchangeState> KEY = ServerExchangeState.class;

  private final HttpServerHandler<ServerHttpRequest, ServerHttpResponse> handler;
  private final Span span;
  private volatile @Nullable Throwable error;

  ServerExchangeState(HttpServerHandler<ServerHttpRequest, ServerHttpResponse> handler, Span span) {
    this.handler = handler;
    this.span = span;
  }

  Span span() {
    return span;
  }

  /** The exception the filter chain ended with, or null. */
  @Nullable Throwable error() {
    return error;
  }

  /** The filter chain ended: name the span after the matched route, keep the exception for the span's end. */
  void chainEnded(ServerWebExchange exchange, @Nullable Throwable failure) {
    if (failure != null) {
      error = failure;
    }
    Object pattern = exchange.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
    String template = pattern instanceof PathPattern path ? path.getPatternString()
        : pattern instanceof String text ? text : null;
    if (template != null) {
      handler.route(span, HttpSpans.spanName(exchange.getRequest().getMethod().name(), template, ""), template);
    }
  }
}
