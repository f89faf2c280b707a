package io.weft.http;

import io.weft.core.internal.HttpSpans;
import io.weft.core.internal.WatchingSubscriber;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.weft.core.ContextKeys;
import io.weft.core.Span;
import io.weft.core.SpanBuilder;
import io.weft.core.SpanContext;
import io.weft.core.SpanKind;
import io.weft.core.Tracer;
import io.weft.core.internal.FailureLog;
import io.weft.core.propagation.W3CTraceContext;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * Traces incoming requests on a reactor-netty {@code HttpServer}: every request is a SERVER span (Application
 * Insights request telemetry), continuing the caller's trace from {@code traceparent}/{@code tracestate} (invalid
 * headers are ignored, per W3C), current in the Reactor context of the whole handler pipeline, so that outgoing
 * HTTP and R2DBC calls made by the handler are its children.
 *
 * <pre>{@code
 * HttpServerTracing tracing = HttpServerTracing.create(tracer);
 * HttpServer.create().handle(tracing.routes(routes -> routes
 *     .get("/orders/{id}", (req, res) -> res.sendString(orders.load(req.param("id"))))));
 * // or, for any handler: HttpServer.create().handle(tracing.handler((req, res) -> …))
 * }</pre>
 *
 * <p>Name: {@code METHOD /route} (the template of the matching route), else {@code METHOD /path}. 5xx responses
 * fail the request, 4xx only when {@link Builder#clientErrorsFail(boolean)} says so. A handler that errors gets a
 * span with status 500 and the exception, and the response still completes (reactor-netty answers 500). A client
 * that goes away mid-response ends the span with {@code weft.cancelled=true}.
 *
 * <p>Immutable and thread-safe.
 */
public final class HttpServerTracing {
  private static final FailureLog FAILURES = new FailureLog(LoggerFactory.getLogger(HttpServerTracing.class),
      "HTTP server tracing failed; the request runs untraced");

  private final Tracer tracer;
  private final boolean clientErrorsFail;
  private final boolean traceResponse;
  private final boolean redactQuery;
  private final LongAdder failures = new LongAdder();

  private HttpServerTracing(Builder builder) {
    this.tracer = builder.tracer;
    this.clientErrorsFail = builder.clientErrorsFail;
    this.traceResponse = builder.traceResponse;
    this.redactQuery = builder.redactQuery;
  }

  /** Server tracing with the defaults: 4xx are not failures, no {@code traceresponse}, query values redacted. */
  public static HttpServerTracing create(Tracer tracer) {
    return builder(tracer).build();
  }

  public static Builder builder(Tracer tracer) {
    return new Builder(tracer);
  }

  /** How many times tracing itself failed (the request then ran untraced, or its span was cut short). */
  public long failures() {
    return failures.sum();
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
    routes.accept(new RouteNamingRoutes(built));
    return handler(built);
  }

  private Publisher<Void> traced(HttpServerRequest request, HttpServerResponse response,
      BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
    Span span;
    try {
      span = start(request);
      if (traceResponse && span.context().isValid()) {
        response.header("traceresponse", W3CTraceContext.formatTraceParent(span.context()));
      }
    } catch (RuntimeException | LinkageError e) {
      failed("starting a server span", e);
      return handler.apply(request, response);
    }
    return new TracedExchange(this, span, request, response, handler);
  }

  private Span start(HttpServerRequest request) {
    SpanContext parent = extract(request.requestHeaders());
    String method = request.method().name();
    String path = HttpSpans.path(request.uri());
    SpanBuilder builder = tracer.spanBuilder(HttpSpans.spanName(method, null, path)).kind(SpanKind.SERVER);
    if (parent.isValid()) {
      builder.parent(parent);
    } else {
      builder.noParent();
    }
    Span span = builder.start();
    if (span.isRecording()) {
      String scheme = request.scheme();
      int port = request.hostPort();
      // One concatenation: the exact-size string, no builder buffer.
      String url = port > 0 && port != HttpSpans.port(scheme, -1)
          ? scheme + "://" + request.hostName() + ":" + port + request.uri()
          : scheme + "://" + request.hostName() + request.uri();
      span.setAttribute("http.request.method", method);
      span.setAttribute("url.path", path);
      span.setAttribute("url.full", HttpSpans.recordedUrl(url, redactQuery));
      span.setAttribute("url.scheme", scheme);
      String client = clientAddress(request);
      if (client != null) {
        span.setAttribute("client.address", client);
      }
      String userAgent = request.requestHeaders().get(HttpHeaderNames.USER_AGENT);
      if (userAgent != null) {
        span.setAttribute("user_agent.original", userAgent);
      }
    }
    return span;
  }

  private static final AsciiString TRACEPARENT = AsciiString.cached(W3CTraceContext.TRACEPARENT);
  private static final AsciiString TRACESTATE = AsciiString.cached(W3CTraceContext.TRACESTATE);

  /**
   * The caller's context, as {@link W3CTraceContext#extract} reads it (a repeated {@code traceparent} is invalid,
   * repeated {@code tracestate} headers are joined), without the two lists {@code getAll} would build per request.
   */
  static SpanContext extract(HttpHeaders headers) {
    try {
      Iterator<String> traceparents = headers.valueStringIterator(TRACEPARENT);
      if (!traceparents.hasNext()) {
        return SpanContext.INVALID;
      }
      String traceparent = traceparents.next();
      if (traceparents.hasNext()) {
        return SpanContext.INVALID;
      }
      Iterator<String> tracestates = headers.valueStringIterator(TRACESTATE);
      if (!tracestates.hasNext()) {
        return W3CTraceContext.parse(traceparent, List.of());
      }
      String first = tracestates.next();
      // Netty's value iterator runs newest first; getAll keeps the order in which several headers arrived.
      return W3CTraceContext.parse(traceparent, tracestates.hasNext() ? headers.getAll(TRACESTATE) : List.of(first));
    } catch (RuntimeException e) {
      return SpanContext.INVALID;
    }
  }

  /** A connection's client address, formatted once per connection rather than once per request. */
  private record ClientAddress(SocketAddress address, String text) {}

  private static final AttributeKey<ClientAddress> CLIENT_ADDRESS =
      AttributeKey.valueOf(HttpServerTracing.class, "clientAddress");

  private static @Nullable String clientAddress(HttpServerRequest request) {
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

  private void finish(Span span, int status, @Nullable Throwable error) {
    try {
      HttpSpans.serverStatus(span, status, clientErrorsFail);
      if (error != null) {
        HttpSpans.failure(span, error);
      }
    } catch (RuntimeException e) {
      failed("ending a server span", e);
    } finally {
      span.end();
    }
  }

  void failed(String where, Throwable error) {
    failures.increment();
    FAILURES.log(where, error);
  }

  /**
   * The span of the request whose handler is being called on this thread: set only for the duration of the
   * synchronous {@code handler.apply} call (never across an asynchronous boundary), so that a matching route can name
   * the span without an extra operator per request.
   */
  private static final ThreadLocal<@Nullable Span> APPLYING = new ThreadLocal<>();

  /** Names the server span after the route that matched, when routes call their handler synchronously (they do). */
  static BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> named(String method, String template,
      BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
    String name = method.equals("*") ? null : HttpSpans.spanName(method, template, ""); // fixed per route
    return (request, response) -> {
      Span span = APPLYING.get();
      if (span != null && span.isRecording()) {
        span.updateName(name != null ? name : HttpSpans.spanName(request.method().name(), template, ""));
        span.setAttribute("http.route", template);
      }
      return handler.apply(request, response);
    };
  }

  /**
   * The handler's publisher with the request's span current in its context, ending the span on the handler's
   * completion, error or cancellation: one operator and one subscriber per request instead of a chain of
   * {@code doOn…} operators.
   */
  private static final class TracedExchange extends Mono<Void> {
    private final HttpServerTracing tracing;
    private final Span span;
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler;

    TracedExchange(HttpServerTracing tracing, Span span, HttpServerRequest request, HttpServerResponse response,
        BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
      this.tracing = tracing;
      this.span = span;
      this.request = request;
      this.response = response;
      this.handler = handler;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> actual) {
      ExchangeSubscriber subscriber = new ExchangeSubscriber(actual, this);
      Publisher<Void> work;
      Span previous = APPLYING.get();
      APPLYING.set(span);
      try {
        work = Objects.requireNonNull(handler.apply(request, response), "the handler returned null");
      } catch (RuntimeException e) {
        Operators.error(subscriber, e);
        return;
      } finally {
        APPLYING.set(previous);
      }
      work.subscribe(subscriber);
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
      if (exchange.span.isRecording()) {
        // reactor-netty answers an unhandled error with 500 when nothing was sent yet.
        HttpServerResponse response = exchange.response;
        exchange.tracing.finish(exchange.span, response.hasSentHeaders() ? response.status().code() : 500, error);
      }
    }

    @Override
    protected void whenComplete() {
      if (exchange.span.isRecording()) {
        exchange.tracing.finish(exchange.span, exchange.response.status().code(), null);
      }
    }

    @Override
    protected void whenCancelled() {
      if (exchange.span.isRecording()) {
        exchange.span.setAttribute("http.response.status_code", (long) exchange.response.status().code());
        exchange.span.endCancelled();
      }
    }
  }

  /** Configures {@link HttpServerTracing}. */
  public static final class Builder {
    private final Tracer tracer;
    private boolean clientErrorsFail;
    private boolean traceResponse;
    private boolean redactQuery = true;

    private Builder(Tracer tracer) {
      this.tracer = Objects.requireNonNull(tracer, "tracer");
    }

    /** Whether 4xx responses mark the request failed (default false: the client's mistake, not the server's). */
    public Builder clientErrorsFail(boolean fail) {
      this.clientErrorsFail = fail;
      return this;
    }

    /** Whether responses carry a W3C {@code traceresponse} header with this request's ids (default false). */
    public Builder traceResponse(boolean traceResponse) {
      this.traceResponse = traceResponse;
      return this;
    }

    /** Whether query values in {@code url.full} are replaced by {@code REDACTED} (default true). */
    public Builder redactQueryValues(boolean redact) {
      this.redactQuery = redact;
      return this;
    }

    public HttpServerTracing build() {
      return new HttpServerTracing(this);
    }
  }
}
