package io.weft.spring;

import io.weft.core.ContextKeys;
import io.weft.core.Scope;
import io.weft.core.Span;
import io.weft.core.instrumentation.HttpServerHandler;
import io.weft.core.instrumentation.WatchingSubscriber;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Wraps the application's whole {@link HttpHandler}, outside WebFlux's exception handling: the SERVER span starts
 * before any filter runs and ends with the status the client really got, after {@code @ExceptionHandler} methods and
 * {@code WebExceptionHandler}s have written their response. The span is current in the Reactor context of the
 * exchange ({@link ContextKeys#SPAN}) and in the thread-local while the handler subscribes; {@link RouteNamingFilter}
 * names it after the route and records exceptions on their way to the exception handlers.
 */
final class TracingHttpHandler implements HttpHandler {
  private final HttpHandler delegate;
  private final HttpServerHandler<ServerHttpRequest, ServerHttpResponse> handler;

  TracingHttpHandler(HttpHandler delegate, HttpServerHandler<ServerHttpRequest, ServerHttpResponse> handler) {
    this.delegate = delegate;
    this.handler = handler;
  }

  @Override
  public Mono<Void> handle(ServerHttpRequest request, ServerHttpResponse response) {
    Span span = handler.handleReceive(request);
    if (!span.context().isValid()) {
      return delegate.handle(request, response);
    }
    return new Exchange(this, span, request, response);
  }

  /** One request: subscribes the application's handler with the span current, ends the span once. */
  private static final class Exchange extends Mono<Void> {
    private final TracingHttpHandler owner;
    private final Span span;
    private final ServerHttpRequest request;
    private final ServerHttpResponse response;

    Exchange(TracingHttpHandler owner, Span span, ServerHttpRequest request, ServerHttpResponse response) {
      this.owner = owner;
      this.span = span;
      this.request = request;
      this.response = response;
    }

    @Override
    @SuppressWarnings("try") // the scope is held, not read: the span is current while the handler subscribes
    public void subscribe(CoreSubscriber<? super Void> actual) {
      ExchangeSubscriber subscriber = new ExchangeSubscriber(actual, this);
      try (Scope scope = span.makeCurrent()) {
        Mono<Void> handled;
        try {
          handled = owner.delegate.handle(request, response);
        } catch (RuntimeException e) {
          Operators.error(subscriber, e);
          return;
        }
        handled.subscribe(subscriber);
      }
    }
  }

  private static final class ExchangeSubscriber extends WatchingSubscriber<Void> {
    private static final long serialVersionUID = 1L;
    private final transient Exchange exchange;
    private final transient ServerExchangeState state;
    private final transient Context context;

    ExchangeSubscriber(CoreSubscriber<? super Void> actual, Exchange exchange) {
      super(actual);
      this.exchange = exchange;
      this.state = new ServerExchangeState(exchange.owner.handler, exchange.span);
      this.context = actual.currentContext().put(ContextKeys.SPAN, exchange.span).put(ServerExchangeState.KEY, state);
    }

    @Override
    public Context currentContext() {
      return context;
    }

    @Override
    public void onNext(Void value) {
      actual.onNext(value);
    }

    /**
     * The response is complete, written by the application or by an exception handler: the span gets its final
     * status, and the exception the chain failed with when that status is a server error (an exception handled
     * into a 4xx, a {@code ResponseStatusException(NOT_FOUND)} say, is the client's fault, not a failure).
     */
    @Override
    protected void whenComplete() {
      int status = status(exchange.response);
      Throwable error = state.error();
      exchange.owner.handler.handleStatus(exchange.span, status, status >= 500 || status <= 0 ? error : null);
    }

    @Override
    protected void whenError(Throwable error) {
      exchange.owner.handler.handleStatus(exchange.span, status(exchange.response), error);
    }

    @Override
    protected void whenCancelled() {
      exchange.owner.handler.handleCancel(exchange.span, status(exchange.response));
    }

    private static int status(ServerHttpResponse response) {
      try {
        return ServerRequestAdapter.INSTANCE.statusCode(response);
      } catch (RuntimeException e) {
        return -1;
      }
    }
  }
}
