package io.weft.http;

import io.weft.core.internal.HttpSpans;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.weft.core.Span;
import io.weft.core.SpanBuilder;
import io.weft.core.SpanKind;
import io.weft.core.Tracer;
import io.weft.core.internal.FailureLog;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
import reactor.netty.Connection;
import reactor.netty.NettyPipeline;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientInfos;
import reactor.netty.http.client.HttpClientRequest;
import reactor.netty.http.client.HttpClientResponse;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * Traces a reactor-netty {@code HttpClient} (the engine under Spring's {@code WebClient}): every request attempt is a
 * CLIENT span, an HTTP dependency in Application Insights, and carries {@code traceparent}/{@code tracestate}.
 *
 * <pre>{@code
 * HttpClient client = HttpClientTracing.create(tracer).decorate(HttpClient.create());
 * client.get().uri("https://api.example.com/orders/42").responseSingle(…)
 *     .contextWrite(HttpClientTracing.route("/orders/{id}"));   // optional: name the span from a template
 * }</pre>
 *
 * <p>The parent is the current span of the subscriber's Reactor context, else the thread-local current span, else a
 * new trace (so the callee can still correlate). Each attempt is its own span: every redirect hop (ended with its
 * 3xx status) and every retry reactor-netty makes. A span ends when the response body has been received in full, on
 * an error (connection refused, timeout, reset: status ERROR with the exception), or, when the caller cancels
 * before the body is complete, with {@code weft.cancelled=true}. 4xx and 5xx responses fail the call.
 *
 * <p>Immutable and thread-safe.
 */
public final class HttpClientTracing {
  /** The Reactor context key under which {@link #route(String)} stores a route template. */
  public static final String ROUTE_KEY = "weft.http.route";

  private static final AttributeKey<Exchange> EXCHANGE = AttributeKey.valueOf(HttpClientTracing.class, "exchange");
  /** {@code scheme://host[:port]} of a connection's requests, from its first request's resource URL. */
  private static final AttributeKey<String> ORIGIN = AttributeKey.valueOf(HttpClientTracing.class, "origin");
  private static final FailureLog FAILURES = new FailureLog(LoggerFactory.getLogger(HttpClientTracing.class),
      "HTTP client tracing failed; the request runs untraced");

  private final Tracer tracer;
  private final boolean redactQuery;
  private final boolean requestId;
  private final LongAdder failures = new LongAdder();

  private HttpClientTracing(Builder builder) {
    this.tracer = builder.tracer;
    this.redactQuery = builder.redactQuery;
    this.requestId = builder.requestId;
  }

  /** Client tracing with the defaults: query values redacted, no legacy {@code Request-Id} header. */
  public static HttpClientTracing create(Tracer tracer) {
    return builder(tracer).build();
  }

  public static Builder builder(Tracer tracer) {
    return new Builder(tracer);
  }

  /**
   * A context entry naming the spans of the requests subscribed under it from a route template ({@code GET
   * /orders/{id}}) rather than the concrete path: {@code .contextWrite(HttpClientTracing.route("/orders/{id}"))}.
   */
  public static Context route(String template) {
    return Context.of(ROUTE_KEY, Objects.requireNonNull(template, "template"));
  }

  /** How many times tracing itself failed (the request then ran untraced, or its span was cut short). */
  public long failures() {
    return failures.sum();
  }

  /** {@code client} with every request traced; the original is unchanged (reactor-netty clients are immutable). */
  public HttpClient decorate(HttpClient client) {
    return client
        .doOnRequest(this::onRequest)
        .doOnResponse(this::onResponse)
        .doAfterResponseSuccess(this::onResponseComplete)
        .doOnRedirect(this::onRedirect)
        .doOnError(this::onRequestError, this::onResponseError);
  }

  private void onRequest(HttpClientRequest request, Connection connection) {
    try {
      String url = resourceUrl(request, connection);
      Span span = start(request, url);
      HttpSpans.inject(span.context(), request::header, requestId);
      if (span.isRecording()) {
        Exchange exchange = new Exchange(span, connection.channel(), url != null ? url : request.uri());
        connection.channel().attr(EXCHANGE).set(exchange);
        Exchange.watchClose(connection.channel());
        ResponseEnd.install(connection.channel());
      }
    } catch (RuntimeException | LinkageError e) {
      failed("starting a client span", e);
    }
  }

  /**
   * The attempt's absolute URL, as {@code request.resourceUrl()} gives it. reactor-netty rebuilds that string from its
   * parts on every call (~270 bytes of garbage per request); a pooled connection always talks to the same scheme,
   * host and port, so its first request's URL gives the origin and later requests only append their path and query.
   */
  private static @Nullable String resourceUrl(HttpClientRequest request, Connection connection) {
    String uri = request.uri(); // path and query (origin-form) on a direct connection
    boolean originForm = uri.startsWith("/");
    Attribute<String> cached = connection.channel().attr(ORIGIN);
    String origin = cached.get();
    if (origin != null && originForm) {
      return origin.concat(uri);
    }
    String url = request.resourceUrl();
    if (url != null && originForm && url.endsWith(uri) && url.length() > uri.length()) {
      cached.set(url.substring(0, url.length() - uri.length()));
    }
    return url;
  }

  private Span start(HttpClientInfos request, @Nullable String resourceUrl) {
    String method = request.method().name();
    String url = resourceUrl;
    if (url == null && request.uri().contains("://")) {
      url = request.uri(); // an attempt that never got a connection has no resource URL yet
    }
    String path = HttpSpans.path(url != null ? url : request.uri());
    ContextView context = request.currentContextView();
    Object route = context.getOrDefault(ROUTE_KEY, null);
    SpanBuilder builder = tracer.spanBuilder(HttpSpans.spanName(method, route instanceof String ? (String) route : null,
        path)).kind(SpanKind.CLIENT);
    Span parent = Span.fromContext(context);
    if (parent.context().isValid()) {
      builder.parent(parent);
    }
    Span span = builder.start();
    if (span.isRecording()) {
      span.setAttribute("http.request.method", method);
      if (url != null) {
        span.setAttribute("url.full", HttpSpans.recordedUrl(url, redactQuery));
        HttpSpans.setServer(span, url);
      }
      if (route instanceof String) {
        span.setAttribute("http.route", (String) route);
      }
      String[] redirectedFrom = request.redirectedFrom();
      if (redirectedFrom.length > 0) {
        span.setAttribute("http.request.resend_count", (long) redirectedFrom.length);
      }
    }
    return span;
  }

  private void onResponse(HttpClientResponse response, Connection connection) {
    Exchange exchange = connection.channel().attr(EXCHANGE).get();
    if (exchange != null) {
      exchange.status = response.status().code();
    }
  }

  private void onResponseComplete(HttpClientResponse response, Connection connection) {
    Exchange exchange = connection.channel().attr(EXCHANGE).getAndSet(null);
    if (exchange != null) {
      exchange.complete(response.status().code());
    }
  }

  private void onRedirect(HttpClientResponse response, Connection connection) {
    Exchange exchange = connection.channel().attr(EXCHANGE).getAndSet(null);
    if (exchange != null) {
      exchange.complete(response.status().code());
    }
  }

  private void onRequestError(HttpClientRequest request, Throwable error) {
    failedExchange(request, error);
  }

  private void onResponseError(HttpClientResponse response, Throwable error) {
    failedExchange(response, error);
  }

  /** Ends the attempt's span with {@code error}; an attempt that never got a connection gets a span of its own. */
  private void failedExchange(HttpClientInfos infos, Throwable error) {
    try {
      Exchange exchange = infos instanceof Connection
          ? ((Connection) infos).channel().attr(EXCHANGE).getAndSet(null) : null;
      if (exchange != null) {
        exchange.fail(error);
        return;
      }
      if (infos instanceof Connection) {
        return; // its span already ended (a redirect, or both error callbacks fired) or it was never sampled
      }
      if (!beforeAnyAttempt(error)) {
        // reactor-netty reports a read timeout or a premature close without the connection, on the connection's
        // event loop, next to the channel's close: hand it to the attempt that is closing there.
        Exchange closing = Exchange.CLOSING.get();
        String url = infos.resourceUrl() != null ? infos.resourceUrl() : infos.uri();
        if (closing != null && closing.url.equals(url)) {
          Exchange.CLOSING.remove();
          closing.fail(error);
        } else if (url != null) {
          Exchange.REPORTED.set(new Reported(url, error, System.nanoTime()));
        }
        return;
      }
      Span span = start(infos, infos.resourceUrl());
      if (span.isRecording()) {
        HttpSpans.failure(span, error);
        span.end();
      }
    } catch (RuntimeException | LinkageError e) {
      failed("ending a client span", e);
    }
  }

  /**
   * Whether {@code error} means no attempt got as far as a connection (refused, unknown host, connect timeout, TLS
   * handshake): then no span exists yet for it and one is made. Any other error reported without a connection is a
   * second report of an attempt whose span has ended already.
   */
  private static boolean beforeAnyAttempt(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
      if (cause instanceof java.net.ConnectException || cause instanceof java.net.UnknownHostException
          || cause instanceof io.netty.channel.ConnectTimeoutException
          || cause instanceof javax.net.ssl.SSLException) {
        return true;
      }
    }
    return false;
  }

  void failed(String where, Throwable error) {
    failures.increment();
    FAILURES.log(where, error);
  }

  /**
   * One request attempt on one channel. Ends once: on the complete response, on an error, or, if the channel closes
   * first (the caller cancelled mid-response and reactor-netty closed the connection), as cancelled.
   */
  private static final class Exchange extends AtomicBoolean {
    private static final long serialVersionUID = 1L;
    /** Set once a channel has {@link #CLOSED} among its close listeners. */
    private static final AttributeKey<Boolean> WATCHED = AttributeKey.valueOf(HttpClientTracing.class, "watched");
    /**
     * One close listener per channel (a pooled connection carries many exchanges, one at a time): it hands the close
     * to the exchange in flight, if any, instead of every exchange adding and removing a listener of its own.
     */
    private static final ChannelFutureListener CLOSED = future -> {
      Exchange exchange = future.channel().attr(EXCHANGE).get();
      if (exchange != null) {
        exchange.channelClosed();
      }
    };
    /**
     * The attempt whose channel closed on this event loop thread and whose error report may follow within two turns
     * of the loop; cleared by the second turn. Only ever read and written on that event loop thread.
     */
    static final ThreadLocal<@Nullable Exchange> CLOSING = new ThreadLocal<>();
    /** An error reported on this event loop thread before the channel's close notification arrived. */
    static final ThreadLocal<@Nullable Reported> REPORTED = new ThreadLocal<>();
    private static final long REPORT_WINDOW_NANOS = 1_000_000_000L;

    private final transient Span span;
    private final transient Channel channel;
    final String url;
    volatile int status = -1;

    Exchange(Span span, Channel channel, String url) {
      this.span = span;
      this.channel = channel;
      this.url = url;
    }

    /** Makes sure {@code channel}'s close reaches the exchange in flight on it (after {@link #EXCHANGE} is set). */
    static void watchClose(Channel channel) {
      Attribute<Boolean> watched = channel.attr(WATCHED);
      if (watched.get() == null && watched.setIfAbsent(Boolean.TRUE) == null) {
        channel.closeFuture().addListener(CLOSED);
      }
    }

    void complete(int code) {
      if (compareAndSet(false, true)) {
        HttpSpans.clientStatus(span, code);
        span.end();
      }
    }

    void fail(Throwable error) {
      if (compareAndSet(false, true)) {
        if (status > 0) {
          span.setAttribute("http.response.status_code", (long) status);
        }
        HttpSpans.failure(span, error);
        span.end();
      }
    }

    /**
     * The channel closed before the exchange ended. If the server closed it, reactor-netty reports the error right
     * after, from the channel-inactive event queued on the same event loop behind this notification; if the caller
     * cancelled, no report comes. So wait two event-loop turns, then end as cancelled unless the error came first.
     */
    void channelClosed() {
      if (get()) {
        return;
      }
      Reported reported = REPORTED.get();
      if (reported != null) {
        REPORTED.remove();
        if (reported.url().equals(url) && System.nanoTime() - reported.at() < REPORT_WINDOW_NANOS) {
          fail(reported.error());
          return;
        }
      }
      CLOSING.set(this);
      try {
        channel.eventLoop().execute(() -> channel.eventLoop().execute(this::cancelled));
      } catch (RuntimeException rejected) {
        cancelled(); // the event loop is shutting down
      }
    }

    private void cancelled() {
      if (CLOSING.get() == this) {
        CLOSING.remove();
      }
      if (compareAndSet(false, true)) {
        channel.attr(EXCHANGE).compareAndSet(this, null);
        if (status > 0) {
          span.setAttribute("http.response.status_code", (long) status);
        }
        span.endCancelled();
      }
    }
  }

  /**
   * Ends the attempt's span when the last byte of the response arrives, before reactor-netty hands the body to the
   * caller: {@code doAfterResponseSuccess} fires only after the caller's own code has run on the body, which would
   * stretch the span and could end it after its parent. Installed once per channel (a pooled connection keeps it),
   * in front of reactor-netty's bridge; it only looks at the messages going by.
   */
  private static final class ResponseEnd extends ChannelInboundHandlerAdapter {
    static final String NAME = "weft.http.responseEnd";
    static final ResponseEnd INSTANCE = new ResponseEnd();

    static void install(Channel channel) {
      ChannelPipeline pipeline = channel.pipeline();
      if (pipeline.get(NAME) == null && pipeline.get(NettyPipeline.ReactiveBridge) != null) {
        pipeline.addBefore(NettyPipeline.ReactiveBridge, NAME, INSTANCE);
      }
    }

    @Override
    public boolean isSharable() {
      return true;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
      if (message instanceof LastHttpContent) {
        Exchange exchange = context.channel().attr(EXCHANGE).get();
        if (exchange != null && exchange.status > 0 && exchange.status / 100 != 3
            && context.channel().attr(EXCHANGE).compareAndSet(exchange, null)) {
          exchange.complete(exchange.status);
        }
      }
      context.fireChannelRead(message);
    }
  }

  /** An error reported without its connection, waiting for the close of the attempt it belongs to. */
  private record Reported(String url, Throwable error, long at) {}

  /** Configures {@link HttpClientTracing}. */
  public static final class Builder {
    private final Tracer tracer;
    private boolean redactQuery = true;
    private boolean requestId;

    private Builder(Tracer tracer) {
      this.tracer = Objects.requireNonNull(tracer, "tracer");
    }

    /**
     * Whether query values in {@code url.full} are replaced by {@code REDACTED} (default true; userinfo is always
     * removed).
     */
    public Builder redactQueryValues(boolean redact) {
      this.redactQuery = redact;
      return this;
    }

    /**
     * Whether requests also carry the legacy {@code Request-Id} header older Application Insights SDKs read (default
     * false).
     */
    public Builder legacyRequestId(boolean requestId) {
      this.requestId = requestId;
      return this;
    }

    public HttpClientTracing build() {
      return new HttpClientTracing(this);
    }
  }

  @Override
  public String toString() {
    return "HttpClientTracing{redactQuery=" + redactQuery + ", requestId=" + requestId + "}";
  }
}
