package io.weft.http.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.weft.core.Span;
import io.weft.core.Tracer;
import io.weft.core.instrumentation.HttpClientAdapter;
import io.weft.core.instrumentation.HttpClientHandler;
import io.weft.core.instrumentation.HttpTracing;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
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
 * HttpClient client = ReactorNettyClientTracing.create(tracer).decorate(HttpClient.create());
 * client.get().uri("https://api.example.com/orders/42").responseSingle(…)
 *     .contextWrite(ReactorNettyClientTracing.route("/orders/{id}"));   // optional: name the span from a template
 * }</pre>
 *
 * <p>The parent is the current span of the subscriber's Reactor context, else the thread-local current span, else a
 * new trace (so the callee can still correlate). Each attempt is its own span: every redirect hop (ended with its
 * 3xx status) and every retry reactor-netty makes. A span ends when the response body has been received in full, on
 * an error (connection refused, timeout, reset: status ERROR with the exception), or, when the caller cancels
 * before the body is complete, with {@code weft.cancelled=true}. 4xx and 5xx responses fail the call. Naming, URL
 * recording and status rules are {@link HttpClientHandler}'s, configured by {@link HttpTracing}.
 *
 * <p>Per-attempt state lives with the connection (a channel attribute), and a small handler in the channel's pipeline
 * ends the attempt from what it sees there: the response's last byte, an exception, our side's close (the caller
 * cancelled) or the peer's. Nothing is kept in a thread-local or added to the subscription.
 *
 * <p>Immutable and thread-safe.
 */
public final class ReactorNettyClientTracing {
  /** The Reactor context key under which {@link #route(String)} stores a route template. */
  public static final String ROUTE_KEY = "weft.http.route";

  private static final AttributeKey<Attempt> ATTEMPT = AttributeKey.valueOf(ReactorNettyClientTracing.class,
      "attempt");
  /** {@code scheme://host[:port]} of a connection's requests, from its first request's resource URL. */
  private static final AttributeKey<String> ORIGIN = AttributeKey.valueOf(ReactorNettyClientTracing.class,
      "origin");
  private final HttpTracing tracing;
  private final HttpClientHandler<Attempt, HttpClientResponse> handler;

  private ReactorNettyClientTracing(HttpTracing tracing) {
    this.tracing = tracing;
    this.handler = tracing.clientHandler(Adapter.INSTANCE);
  }

  /** Client tracing with the default {@link HttpTracing}. */
  public static ReactorNettyClientTracing create(Tracer tracer) {
    return create(HttpTracing.create(tracer));
  }

  /** Client tracing with the given HTTP settings. */
  public static ReactorNettyClientTracing create(HttpTracing tracing) {
    return new ReactorNettyClientTracing(Objects.requireNonNull(tracing, "tracing"));
  }

  /**
   * A context entry naming the spans of the requests subscribed under it from a route template ({@code GET
   * /orders/{id}}) rather than the concrete path: {@code
   * .contextWrite(ReactorNettyClientTracing.route("/orders/{id}"))}.
   */
  public static Context route(String template) {
    return Context.of(ROUTE_KEY, Objects.requireNonNull(template, "template"));
  }

  /** How many times HTTP tracing failed (the request then ran untraced, or its span was cut short). */
  public long failures() {
    return tracing.failures();
  }

  /** {@code client} with every request traced; the original is unchanged (reactor-netty clients are immutable). */
  public HttpClient decorate(HttpClient client) {
    return client
        .doOnRequest(this::onRequest)
        .doAfterResponseSuccess(this::onResponseComplete)
        .doOnError(this::onRequestError, this::onResponseError);
  }

  private void onRequest(HttpClientRequest request, Connection connection) {
    try {
      ContextView context = request.currentContextView();
      Attempt attempt = new Attempt(request, resourceUrl(request, connection), connection.channel(), handler);
      Object route = context.getOrDefault(ROUTE_KEY, null);
      Span span = handler.handleSend(attempt, Span.fromContext(context), route instanceof String ? (String) route
          : null);
      if (span.isRecording()) {
        attempt.span = span;
        connection.channel().attr(ATTEMPT).set(attempt);
        ResponseEnd.install(connection.channel());
      }
    } catch (RuntimeException | LinkageError e) {
      tracing.failed("starting a client span", e);
    }
  }

  /**
   * The attempt's absolute URL, as {@code request.resourceUrl()} gives it. reactor-netty rebuilds that string from its
   * parts on every call (~270 bytes of garbage per request); a pooled connection always talks to the same scheme,
   * host and port, so its first request's URL gives the origin and later requests only append their path and query.
   */
  private static String resourceUrl(HttpClientRequest request, Connection connection) {
    String uri = request.uri(); // path and query (origin-form) on a direct connection
    boolean originForm = uri.startsWith("/");
    Attribute<String> cached = connection.channel().attr(ORIGIN);
    String origin = cached.get();
    if (origin != null && originForm) {
      return origin.concat(uri);
    }
    String url = request.resourceUrl();
    if (url == null) {
      return uri;
    }
    if (originForm && url.endsWith(uri) && url.length() > uri.length()) {
      cached.set(url.substring(0, url.length() - uri.length()));
    }
    return url;
  }

  /**
   * The fallback for a response whose last byte did not pass {@link ResponseEnd} (a pipeline without reactor-netty's
   * bridge): normally the attempt has ended already and this is one attribute read.
   */
  private void onResponseComplete(HttpClientResponse response, Connection connection) {
    Attempt attempt = connection.channel().attr(ATTEMPT).getAndSet(null);
    if (attempt != null) {
      attempt.complete(response.status().code());
    }
  }

  private void onRequestError(HttpClientRequest request, Throwable error) {
    failedAttempt(request, error);
  }

  private void onResponseError(HttpClientResponse response, Throwable error) {
    failedAttempt(response, error);
  }

  /**
   * Ends the failed attempt's span with {@code error}, found through its connection. Errors reactor-netty reports
   * without the connection (a read timeout, a premature close) have ended their attempt already, in {@link
   * ResponseEnd}, which sees them on the channel; an attempt that never got a connection (refused, unknown host)
   * gets a span of its own here.
   */
  private void failedAttempt(HttpClientInfos infos, Throwable error) {
    try {
      if (infos instanceof Connection) {
        Attempt attempt = ((Connection) infos).channel().attr(ATTEMPT).getAndSet(null);
        if (attempt != null) {
          attempt.fail(error);
        }
        return; // else its span already ended (a redirect, or both error callbacks fired) or was never sampled
      }
      if (beforeAnyAttempt(error)) {
        String url = infos.resourceUrl() != null ? infos.resourceUrl() : infos.uri();
        Attempt failed = new Attempt(infos, url != null ? url : "/", null, handler);
        Span span = handler.handleSend(failed, Span.fromContext(infos.currentContextView()), null);
        handler.handleStatus(span, -1, error);
      }
    } catch (RuntimeException | LinkageError e) {
      tracing.failed("ending a client span", e);
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

  /**
   * One request attempt on one channel: what the adapter reads, and the span, which ends once: on the complete
   * response, on an error, or, when the caller gave up first (reactor-netty then closes the connection), as
   * cancelled.
   */
  static final class Attempt extends AtomicBoolean {
    private static final long serialVersionUID = 1L;

    final transient HttpClientInfos request;
    final String url;
    /** The attempt's channel; null for an attempt that never got a connection (its request cannot take headers). */
    final transient @Nullable Channel channel;
    private final transient HttpClientHandler<Attempt, HttpClientResponse> handler;
    transient Span span = Span.invalid();
    volatile int status = -1;

    Attempt(HttpClientInfos request, String url, @Nullable Channel channel,
        HttpClientHandler<Attempt, HttpClientResponse> handler) {
      this.request = request;
      this.url = url;
      this.channel = channel;
      this.handler = handler;
    }

    void complete(int code) {
      if (compareAndSet(false, true)) {
        handler.handleStatus(span, code, null);
      }
    }

    void fail(Throwable error) {
      if (compareAndSet(false, true)) {
        handler.handleStatus(span, status, error);
      }
    }

    void cancelled() {
      if (compareAndSet(false, true)) {
        handler.handleCancel(span, status);
      }
    }
  }

  /**
   * Ends the attempt in flight on a channel from what passes through the channel, before reactor-netty hands it to the
   * caller: the response's last byte (complete), an exception (a read timeout, a reset: failed), the caller's close
   * (cancelled) or the peer's (failed: closed before the response was complete). Installed once per channel, in front
   * of reactor-netty's bridge; it only watches. {@code doAfterResponseSuccess} would fire only after the caller's own
   * code had run on the body, stretching the span past its parent.
   */
  private static final class ResponseEnd extends ChannelDuplexHandler {
    static final String NAME = "weft.http.responseEnd";
    static final ResponseEnd INSTANCE = new ResponseEnd();
    /** Set once the handler is in a channel's pipeline: later requests on a pooled connection skip the lookup. */
    private static final AttributeKey<Boolean> INSTALLED = AttributeKey.valueOf(ReactorNettyClientTracing.class,
        "responseEndInstalled");

    /** Puts the handler in front of reactor-netty's bridge, once per channel (a pooled one keeps it). */
    static void install(Channel channel) {
      Attribute<Boolean> installed = channel.attr(INSTALLED);
      if (installed.get() != null) {
        return;
      }
      ChannelPipeline pipeline = channel.pipeline();
      if (pipeline.get(NAME) == null && pipeline.get(NettyPipeline.ReactiveBridge) != null) {
        pipeline.addBefore(NettyPipeline.ReactiveBridge, NAME, INSTANCE);
      }
      if (pipeline.get(NAME) != null) {
        installed.set(Boolean.TRUE);
      }
    }

    @Override
    public boolean isSharable() {
      return true;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
      if (message instanceof HttpResponse) {
        Attempt attempt = context.channel().attr(ATTEMPT).get();
        if (attempt != null) {
          attempt.status = ((HttpResponse) message).status().code();
        }
      }
      if (message instanceof LastHttpContent) { // also a full response, head and body in one
        Attribute<Attempt> current = context.channel().attr(ATTEMPT);
        Attempt attempt = current.get();
        if (attempt != null && attempt.status > 0 && current.compareAndSet(attempt, null)) {
          attempt.complete(attempt.status);
        }
      }
      context.fireChannelRead(message);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
      Attempt attempt = context.channel().attr(ATTEMPT).getAndSet(null);
      if (attempt != null) {
        attempt.fail(cause);
      }
      context.fireExceptionCaught(cause);
    }

    /** Our side closes the channel while a response is awaited: the caller cancelled. */
    @Override
    public void close(ChannelHandlerContext context, ChannelPromise promise) throws Exception {
      Attempt attempt = context.channel().attr(ATTEMPT).getAndSet(null);
      if (attempt != null) {
        attempt.cancelled();
      }
      super.close(context, promise);
    }

    /**
     * The channel went inactive without our side closing it while a response was awaited: the peer closed it, and
     * the attempt fails with the error reactor-netty reports to the caller for it (its message, as an {@code
     * IOException}: reactor-netty's own exception type cannot be created outside it).
     */
    @Override
    public void channelInactive(ChannelHandlerContext context) throws Exception {
      super.channelInactive(context);
      Attempt attempt = context.channel().attr(ATTEMPT).getAndSet(null);
      if (attempt != null) {
        attempt.fail(closedBeforeResponse(attempt.status > 0));
      }
    }
  }

  /**
   * What the span records when the peer closed the connection before the response was complete: an {@code
   * IOException} with the words reactor-netty's own {@code PrematureCloseException} (which the caller gets) uses.
   */
  static java.io.IOException closedBeforeResponse(boolean headersReceived) {
    java.io.IOException closed = new java.io.IOException("Connection prematurely closed "
        + (headersReceived ? "DURING" : "BEFORE") + " response");
    closed.setStackTrace(new StackTraceElement[0]); // a network event, not a code path
    return closed;
  }

  /** reactor-netty's request and response, as the client handler reads them. */
  private enum Adapter implements HttpClientAdapter<Attempt, HttpClientResponse> {
    INSTANCE;

    @Override
    public String method(Attempt attempt) {
      return attempt.request.method().name();
    }

    @Override
    public String url(Attempt attempt) {
      return attempt.url;
    }

    @Override
    public void setHeader(Attempt attempt, String name, String value) {
      if (attempt.channel != null && attempt.request instanceof HttpClientRequest) {
        ((HttpClientRequest) attempt.request).header(HeaderNames.of(name), value);
      }
    }

    @Override
    public int statusCode(HttpClientResponse response) {
      return response.status().code();
    }

    @Override
    public int resendCount(Attempt attempt) {
      return attempt.request.redirectedFrom().length;
    }
  }

  @Override
  public String toString() {
    return "ReactorNettyClientTracing{" + tracing + "}";
  }
}
