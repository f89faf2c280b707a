package io.weft.http.netty;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.weft.core.ContextKeys;
import io.weft.core.Span;
import io.weft.core.SpanContext;
import io.weft.core.Tracer;
import io.weft.core.instrumentation.HttpServerAdapter;
import io.weft.core.instrumentation.HttpServerHandler;
import io.weft.core.instrumentation.HttpSpans;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.core.instrumentation.WatchingSubscriber;
import io.weft.core.propagation.W3CTraceContext;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;
import reactor.util.context.Context;

/**
 * Traces incoming requests on a reactor-netty {@code HttpServer}: every request is a SERVER span (Application
 * Insights request telemetry), continuing the caller's trace from {@code traceparent}/{@code tracestate} (invalid
 * headers are ignored, per W3C), current in the Reactor context of the whole handler pipeline, so that outgoing
 * HTTP and R2DBC calls made by the handler are its children.
 *
 * <pre>{@code
 * ReactorNettyServerTracing tracing = ReactorNettyServerTracing.create(tracer);
 * HttpServer.create().handle(tracing.routes(routes -> routes
 *     .get("/orders/{id}", (req, res) -> res.sendString(orders.load(req.param("id"))))));
 * // or, for any handler: HttpServer.create().handle(tracing.handler((req, res) -> …))
 * }</pre>
 *
 * <p>Name: {@code METHOD /route} (the template of the matching route), else {@code METHOD /path}. A handler that
 * errors gets a span with status 500 and the exception, and the response still completes (reactor-netty answers
 * 500). A request cancelled before its response started (the server shutting down, say) ends with {@code
 * weft.cancelled=true}; once the response has started, reactor-netty reports the end of the exchange the same way
 * whether or not the client stayed to the last byte, so the span ends as sent, with the status sent. Naming,
 * attributes and status rules are {@link HttpServerHandler}'s, configured by {@link HttpTracing} (4xx fail only with
 * {@code clientErrorsFail}; {@code traceresponse} only with {@code traceResponse}).
 *
 * <p>Immutable and thread-safe.
 */
public final class ReactorNettyServerTracing {
  private final HttpTracing tracing;
  private final HttpServerHandler<HttpServerRequest, HttpServerResponse> handler;

  private ReactorNettyServerTracing(HttpTracing tracing) {
    this.tracing = tracing;
    this.handler = tracing.serverHandler(Adapter.INSTANCE);
  }

  /** Server tracing with the default {@link HttpTracing}. */
  public static ReactorNettyServerTracing create(Tracer tracer) {
    return create(HttpTracing.create(tracer));
  }

  /** Server tracing with the given HTTP settings. */
  public static ReactorNettyServerTracing create(HttpTracing tracing) {
    return new ReactorNettyServerTracing(Objects.requireNonNull(tracing, "tracing"));
  }

  /** How many times HTTP tracing failed (the request then ran untraced, or its span was cut short). */
  public long failures() {
    return tracing.failures();
  }

  /** Traces every request {@code handler} serves; the span is named from the path. */
  public BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> handler(
      BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
    Objects.requireNonNull(handler, "handler");
    return (request, response) -> traced(request, response, handler);
  }

  /**
   * Routes built by {@code routes}, traced: every request is a span (unmatched ones too, named from the path), and
   * a request a route matched is named from that route's template ({@code GET /orders/{id}}, {@code http.route}).
   */
  public BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> routes(
      Consumer<? super HttpServerRoutes> routes) {
    HttpServerRoutes built = HttpServerRoutes.newRoutes();
    routes.accept(new RouteNamingRoutes(built, handler));
    return handler(built);
  }

  private Publisher<Void> traced(HttpServerRequest request, HttpServerResponse response,
      BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> work) {
    Span span = handler.handleReceive(request);
    String traceResponse = handler.traceResponse(span);
    if (traceResponse != null) {
      try {
        response.header(W3CTraceContext.TRACERESPONSE, traceResponse);
      } catch (RuntimeException e) {
        tracing.failed("writing traceresponse", e);
      }
    }
    if (!span.context().isValid()) {
      return work.apply(request, response);
    }
    return new TracedExchange(handler, span, request, response, work);
  }

  /**
   * The span of the request whose handler is being called, on the request's channel: set only for the duration of
   * the synchronous {@code handler.apply} call (reactor-netty calls one handler at a time per channel; an HTTP/2
   * stream is a channel of its own), so that a matching route can name the span without an extra operator per
   * request, and without a thread-local.
   */
  private static final AttributeKey<Span> APPLYING =
      AttributeKey.valueOf(ReactorNettyServerTracing.class, "applying");


  /** Names the server span after the route that matched, when routes call their handler synchronously (they do). */
  static BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> named(
      HttpServerHandler<HttpServerRequest, HttpServerResponse> handler, String method, String template,
      BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> work) {
    String name = method.equals("*") ? null : HttpSpans.spanName(method, template, ""); // fixed per route
    return (request, response) -> {
      Span span = request instanceof Connection ? ((Connection) request).channel().attr(APPLYING).get() : null;
      if (span != null) {
        handler.route(span, name != null ? name : HttpSpans.spanName(request.method().name(), template, ""),
            template);
      }
      return work.apply(request, response);
    };
  }

  /**
   * The handler's publisher with the request's span current in its context, ending the span on the handler's
   * completion, error or cancellation: one operator and one subscriber per request instead of a chain of
   * {@code doOn…} operators.
   */
  private static final class TracedExchange extends Mono<Void> {
    private final HttpServerHandler<HttpServerRequest, HttpServerResponse> handler;
    private final Span span;
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> work;

    TracedExchange(HttpServerHandler<HttpServerRequest, HttpServerResponse> handler, Span span,
        HttpServerRequest request, HttpServerResponse response,
        BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> work) {
      this.handler = handler;
      this.span = span;
      this.request = request;
      this.response = response;
      this.work = work;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> actual) {
      ExchangeSubscriber subscriber = new ExchangeSubscriber(actual, this);
      Publisher<Void> published;
      Attribute<Span> applying = request instanceof Connection ? ((Connection) request).channel().attr(APPLYING)
          : null;
      if (applying != null) {
        applying.set(span);
      }
      try {
        published = Objects.requireNonNull(work.apply(request, response), "the handler returned null");
      } catch (RuntimeException e) {
        Operators.error(subscriber, e);
        return;
      } finally {
        if (applying != null) {
          applying.set(null);
        }
      }
      published.subscribe(subscriber);
    }
  }

  private static final class ExchangeSubscriber extends WatchingSubscriber<Void> {
    private static final long serialVersionUID = 1L;
    private final transient TracedExchange exchange;
    private final transient Context context;

    ExchangeSubscriber(CoreSubscriber<? super Void> actual, TracedExchange exchange) {
      super(actual);
      this.exchange = exchange;
      this.context = actual.currentContext().put(ContextKeys.SPAN, exchange.span);
    }

    @Override
    public Context currentContext() {
      return context;
    }

    @Override
    public void onNext(Void value) {
      // A Publisher<Void> emits nothing.
    }

    @Override
    protected void whenError(Throwable error) {
      // reactor-netty answers an unhandled error with 500 when nothing was sent yet.
      HttpServerResponse response = exchange.response;
      exchange.handler.handleStatus(exchange.span, response.hasSentHeaders() ? response.status().code() : 500,
          error);
    }

    @Override
    protected void whenComplete() {
      exchange.handler.handleSend(exchange.span, exchange.response, null);
    }

    @Override
    protected void whenCancelled() {
      HttpServerResponse response = exchange.response;
      if (response.hasSentHeaders()) {
        // reactor-netty cancels the handler's publisher once it has finished the exchange itself: a handler whose
        // response is sent while reactor-netty subscribes to it (a body ready at once) is cancelled before it
        // completes. The response went out: the request was served.
        exchange.handler.handleSend(exchange.span, response, null);
      } else {
        exchange.handler.handleCancel(exchange.span, -1);
      }
    }
  }

  /** reactor-netty's request and response, as the server handler reads them. */
  private enum Adapter implements HttpServerAdapter<HttpServerRequest, HttpServerResponse> {
    INSTANCE;

    private static final AttributeKey<ClientAddress> CLIENT_ADDRESS =
        AttributeKey.valueOf(ReactorNettyServerTracing.class, "clientAddress");

    @Override
    public String method(HttpServerRequest request) {
      return request.method().name();
    }

    @Override
    public String target(HttpServerRequest request) {
      return request.uri();
    }

    @Override
    public @Nullable String host(HttpServerRequest request) {
      return request.hostName();
    }

    @Override
    public int port(HttpServerRequest request) {
      return request.hostPort();
    }

    @Override
    public String scheme(HttpServerRequest request) {
      return request.scheme();
    }

    @Override
    public @Nullable String userAgent(HttpServerRequest request) {
      return request.requestHeaders().get(HttpHeaderNames.USER_AGENT);
    }

    /**
     * The caller's context, as {@link W3CTraceContext#extract} reads it (a repeated {@code traceparent} is invalid,
     * repeated {@code tracestate} headers are joined), without the two lists {@code getAll} would build per request.
     */
    @Override
    public SpanContext extract(HttpServerRequest request) {
      return extract(request.requestHeaders());
    }

    static SpanContext extract(HttpHeaders headers) {
      Iterator<String> traceparents = headers.valueStringIterator(HeaderNames.TRACEPARENT);
      if (!traceparents.hasNext()) {
        return SpanContext.INVALID;
      }
      String traceparent = traceparents.next();
      if (traceparents.hasNext()) {
        return SpanContext.INVALID;
      }
      Iterator<String> tracestates = headers.valueStringIterator(HeaderNames.TRACESTATE);
      if (!tracestates.hasNext()) {
        return W3CTraceContext.parse(traceparent, List.of());
      }
      String first = tracestates.next();
      // Netty's value iterator runs newest first; getAll keeps the order in which several headers arrived.
      return W3CTraceContext.parse(traceparent,
          tracestates.hasNext() ? headers.getAll(HeaderNames.TRACESTATE) : List.of(first));
    }

    /** A connection's client address, formatted once per connection rather than once per request. */
    @Override
    public @Nullable String clientAddress(HttpServerRequest request) {
      SocketAddress remote = request.remoteAddress();
      if (!(request instanceof Connection) || remote == null) {
        return address(remote);
      }
      // Keyed by the address object: the channel's own is the same on every request, while one taken from
      // Forwarded / X-Forwarded-For headers is new each time and is formatted afresh.
      Attribute<ClientAddress> cached = ((Connection) request).channel().attr(CLIENT_ADDRESS);
      ClientAddress known = cached.get();
      if (known != null && known.address() == remote) {
        return known.text();
      }
      String text = address(remote);
      if (text != null) {
        cached.set(new ClientAddress(remote, text));
      }
      return text;
    }

    private static @Nullable String address(@Nullable SocketAddress address) {
      if (address instanceof InetSocketAddress) {
        InetSocketAddress inet = (InetSocketAddress) address;
        return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
      }
      return null;
    }

    @Override
    public int statusCode(HttpServerResponse response) {
      return response.status().code();
    }
  }

  /** A connection's client address and its text. */
  private record ClientAddress(SocketAddress address, String text) {}

  @Override
  public String toString() {
    return "ReactorNettyServerTracing{" + tracing + "}";
  }
}
