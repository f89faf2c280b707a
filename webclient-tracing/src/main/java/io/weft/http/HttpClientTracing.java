package io.weft.http;

import io.weft.core.internal.HttpSpans;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.AttributeKey;
import io.weft.core.Span;
import io.weft.core.SpanBuilder;
import io.weft.core.SpanKind;
import io.weft.core.Tracer;
import io.weft.core.internal.FailureLog;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.LoggerFactory;
import reactor.netty.Connection;
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
      Span span = start(request);
      HttpSpans.inject(span.context(), request::header, requestId);
      if (span.isRecording()) {
        Exchange exchange = new Exchange(span, connection.channel());
        connection.channel().attr(EXCHANGE).set(exchange);
        connection.channel().closeFuture().addListener(exchange);
      }
    } catch (RuntimeException | LinkageError e) {
      failed("starting a client span", e);
    }
  }

  private Span start(HttpClientInfos request) {
    String method = request.method().name();
    String url = request.resourceUrl();
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
        // The attempt had a connection: its span already ended (both error callbacks may fire for one failure, a
        // redirect ended it) or it was never sampled.
        return;
      }
      Span span = start(infos);
      if (span.isRecording()) {
        HttpSpans.failure(span, error);
        span.end();
      }
    } catch (RuntimeException | LinkageError e) {
      failed("ending a client span", e);
    }
  }

  void failed(String where, Throwable error) {
    failures.increment();
    FAILURES.log(where, error);
  }

  /**
   * One request attempt on one channel. Ends once: on the complete response, on an error, or, if the channel closes
   * first (the caller cancelled mid-response and reactor-netty closed the connection), as cancelled.
   */
  private static final class Exchange extends AtomicBoolean implements ChannelFutureListener {
    private static final long serialVersionUID = 1L;
    private final transient Span span;
    private final transient Channel channel;
    volatile int status = -1;

    Exchange(Span span, Channel channel) {
      this.span = span;
      this.channel = channel;
    }

    void complete(int code) {
      if (compareAndSet(false, true)) {
        channel.closeFuture().removeListener(this);
        HttpSpans.clientStatus(span, code);
        span.end();
      }
    }

    void fail(Throwable error) {
      if (compareAndSet(false, true)) {
        channel.closeFuture().removeListener(this);
        if (status > 0) {
          span.setAttribute("http.response.status_code", (long) status);
        }
        HttpSpans.failure(span, error);
        span.end();
      }
    }

    @Override
    public void operationComplete(ChannelFuture future) {
      if (compareAndSet(false, true)) {
        channel.attr(EXCHANGE).compareAndSet(this, null);
        if (status > 0) {
          span.setAttribute("http.response.status_code", (long) status);
        }
        span.endCancelled();
      }
    }
  }

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
