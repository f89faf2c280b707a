package io.weft.spring;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The first filter of every traced request: when the rest of the chain ends, it hands the matched route template
 * and the exception (if any) to the request's {@link ServerExchangeState}, before exception handlers run.
 */
final class RouteNamingFilter implements WebFilter, Ordered {
  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    return Mono.deferContextual(context -> {
      ServerExchangeState state = context.getOrDefault(ServerExchangeState.KEY, null);
      Mono<Void> rest = chain.filter(exchange);
      if (state == null) {
        return rest;
      }
      return rest.doOnEach(signal -> {
        if (signal.isOnComplete() || signal.isOnError()) {
          state.chainEnded(exchange, signal.getThrowable());
        }
      });
    });
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }
}
