package io.weft.spring;

import io.weft.core.Span;
import io.weft.core.instrumentation.HttpClientAdapter;
import io.weft.core.instrumentation.HttpClientHandler;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.core.instrumentation.WatchingSubscriber;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;

/**
 * Traces a {@link WebClient}'s exchanges, whatever its connector: one CLIENT span per attempt (each subscription to
 * the exchange, so a {@code retry()} gives one span per try), parented by the span in the caller's Reactor context,
 * named after the URI template the call used ({@code GET /orders/{id}}), with {@code traceparent}/{@code tracestate}
 * on the request. The span ends when the response's status and headers arrive (the body is the caller's to read),
 * when the exchange fails, or, as cancelled, when the caller gives up.
 */
final class TracingExchangeFilter implements ExchangeFilterFunction {
  /** The request attribute in which {@code WebClient} keeps the URI template of {@code uri(template, vars)}. */
  static final String URI_TEMPLATE_ATTRIBUTE = WebClient.class.getName() + ".uriTemplate";

  private final HttpClientHandler<Outgoing, ClientResponse> handler;

  TracingExchangeFilter(HttpTracing tracing) {
    this.handler = tracing.clientHandler(Adapter.INSTANCE);
  }

  @Override
  public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
    return Mono.deferContextual(context -> {
      Outgoing outgoing = new Outgoing(request);
      Span parent = Span.fromContext(context);
      Span span = handler.handleSend(outgoing, parent.context().isValid() ? parent : null, route(request));
      ClientRequest sent = outgoing.request();
      if (!span.context().isValid()) {
        return next.exchange(sent);
      }
      return new Attempt(next.exchange(sent), handler, span);
    });
  }

  /** The path of the URI template the call was made with ({@code /orders/{id}}), or null when it gave none. */
  static @Nullable String route(ClientRequest request) {
    Object template = request.attribute(URI_TEMPLATE_ATTRIBUTE).orElse(null);
    if (!(template instanceof String text) || text.isEmpty()) {
      return null;
    }
    int scheme = text.indexOf("://");
    String path = text;
    if (scheme >= 0) {
      int slash = text.indexOf('/', scheme + 3);
      path = slash < 0 ? "/" : text.substring(slash);
    }
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }

  /** A request while its trace headers are added (a {@link ClientRequest} is immutable). */
  static final class Outgoing {
    private final ClientRequest original;
    private @Nullable HttpHeaders added;

    Outgoing(ClientRequest original) {
      this.original = original;
    }

    void header(String name, String value) {
      HttpHeaders headers = added;
      if (headers == null) {
        headers = new HttpHeaders();
        added = headers;
      }
      headers.set(name, value);
    }

    ClientRequest request() {
      HttpHeaders headers = added;
      if (headers == null) {
        return original;
      }
      return ClientRequest.from(original).headers(target -> headers.forEach(target::put)).build();
    }
  }

  private enum Adapter implements HttpClientAdapter<Outgoing, ClientResponse> {
    INSTANCE;

    @Override
    public String method(Outgoing request) {
      return request.original.method().name();
    }

    @Override
    public String url(Outgoing request) {
      return request.original.url().toString();
    }

    @Override
    public void setHeader(Outgoing request, String name, String value) {
      request.header(name, value);
    }

    @Override
    public int statusCode(ClientResponse response) {
      return response.statusCode().value();
    }
  }

  /** One attempt: ends its span with the response, the failure or the caller's cancellation, once. */
  private static final class Attempt extends Mono<ClientResponse> {
    private final Mono<ClientResponse> exchange;
    private final HttpClientHandler<Outgoing, ClientResponse> handler;
    private final Span span;

    Attempt(Mono<ClientResponse> exchange, HttpClientHandler<Outgoing, ClientResponse> handler, Span span) {
      this.exchange = exchange;
      this.handler = handler;
      this.span = span;
    }

    @Override
    public void subscribe(CoreSubscriber<? super ClientResponse> actual) {
      exchange.subscribe(new AttemptSubscriber(actual, this));
    }
  }

  private static final class AttemptSubscriber extends WatchingSubscriber<ClientResponse> {
    private static final long serialVersionUID = 1L;
    private final transient Attempt attempt;

    AttemptSubscriber(CoreSubscriber<? super ClientResponse> actual, Attempt attempt) {
      super(actual);
      this.attempt = attempt;
    }

    @Override
    public void onNext(ClientResponse response) {
      if (compareAndSet(false, true)) {
        attempt.handler.handleReceive(attempt.span, response, null);
      }
      actual.onNext(response);
    }

    @Override
    protected void whenError(Throwable error) {
      attempt.handler.handleReceive(attempt.span, null, error);
    }

    @Override
    protected void whenComplete() {
      attempt.handler.handleReceive(attempt.span, null, null); // no response: completed empty
    }

    @Override
    protected void whenCancelled() {
      attempt.handler.handleCancel(attempt.span, -1);
    }
  }
}
