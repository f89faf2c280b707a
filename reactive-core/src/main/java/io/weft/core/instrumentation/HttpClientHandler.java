package io.weft.core.instrumentation;

import io.weft.core.Span;
import io.weft.core.SpanBuilder;
import io.weft.core.SpanKind;
import org.jspecify.annotations.Nullable;

/**
 * Traces outgoing HTTP requests of one library, through its {@link HttpClientAdapter}: one CLIENT span per attempt
 * (Application Insights HTTP dependency), named {@code METHOD /route} when the caller gave a route template, else
 * {@code METHOD /path} (never the query), recording {@code http.request.method}, {@code url.full} (per {@link
 * HttpTracing#redactQueryValues()}), {@code server.address}, {@code server.port}, {@code http.route} and {@code
 * http.request.resend_count}; the request carries {@code traceparent}/{@code tracestate} (and, by option, {@code
 * Request-Id}) naming the span, also when it is not sampled, so the server follows the decision. A response below
 * 400 succeeds; 4xx and 5xx fail the call ({@code error.type} = the status); an exception fails it with the exception
 * recorded ({@code error.type} = its class).
 *
 * <p>Every method may be called on any thread, never blocks and never throws: a failure of tracing code is counted
 * in {@link HttpTracing#failures()} and logged, and the request goes on untraced (or its span ends as it can).
 * Immutable and thread-safe.
 */
public final class HttpClientHandler<Req, Resp> extends HttpHandler<Resp> {
  private final HttpClientAdapter<Req, Resp> adapter;

  HttpClientHandler(HttpTracing tracing, HttpClientAdapter<Req, Resp> adapter) {
    super(tracing);
    this.adapter = adapter;
  }

  @Override
  int statusCode(Resp response) {
    return adapter.statusCode(response);
  }

  /**
   * Starts the span of one attempt of {@code request} and writes its propagation headers into the request.
   *
   * @param parent the span current for the caller (from its Reactor context, say), or null for the thread-local
   *     current span, else a new trace
   * @param route the route template the caller named the call after ({@code /orders/{id}}), or null
   * @return the span (not recording when unsampled; {@link Span#invalid()} when tracing failed)
   */
  public Span handleSend(Req request, @Nullable Span parent, @Nullable String route) {
    Span span;
    try {
      String method = adapter.method(request);
      String url = adapter.url(request);
      SpanBuilder builder = tracer.spanBuilder(HttpSpans.spanName(method, route, HttpSpans.path(url)))
          .kind(SpanKind.CLIENT)
          // Captured as is, turned into attributes only at export (never if unsampled).
          .attributes(new HttpAttributes.Client(method, url, route, adapter.resendCount(request),
              tracing.redactQueryValues()));
      if (parent != null && parent.context().isValid()) {
        builder.parent(parent);
      }
      span = builder.start();
    } catch (RuntimeException | LinkageError e) {
      tracing.failed("starting an HTTP client span", e);
      return Span.invalid();
    }
    try {
      HttpSpans.inject(span.context(), (name, value) -> adapter.setHeader(request, name, value),
          tracing.legacyRequestId());
    } catch (RuntimeException | LinkageError e) {
      tracing.failed("adding trace headers to a request", e);
    }
    return span;
  }

  /** Ends {@code span} with {@code response} (may be null when there is none) and {@code error} (null on success). */
  public void handleReceive(Span span, @Nullable Resp response, @Nullable Throwable error) {
    handleStatus(span, status(span, response), error);
  }

  /**
   * Ends {@code span} with a status the integration observed itself ({@code -1} when none) and {@code error} (null
   * on success).
   */
  public void handleStatus(Span span, int status, @Nullable Throwable error) {
    try {
      if (span.isRecording()) {
        if (error != null) {
          if (status > 0) {
            span.setAttribute(SemanticAttributes.HTTP_RESPONSE_STATUS_CODE, (long) status);
          }
          HttpSpans.failure(span, error);
        } else if (status > 0) {
          HttpSpans.clientStatus(span, status);
        }
      }
    } catch (RuntimeException | LinkageError e) {
      tracing.failed("recording an HTTP response", e);
    } finally {
      span.end();
    }
  }
}
