package io.weft.core.instrumentation;

import io.weft.core.Span;
import io.weft.core.SpanBuilder;
import io.weft.core.SpanContext;
import io.weft.core.SpanKind;
import io.weft.core.propagation.W3CTraceContext;
import org.jspecify.annotations.Nullable;

/**
 * Traces incoming HTTP requests of one library, through its {@link HttpServerAdapter}: one SERVER span per request
 * (Application Insights request telemetry) continuing the caller's trace from {@code traceparent}/{@code tracestate}
 * (invalid headers are ignored, per W3C, and a new trace starts), named {@code METHOD /route} once a route matched
 * ({@link #route}), else {@code METHOD /path}, recording {@code http.request.method}, {@code url.path}, {@code
 * url.full}, {@code url.scheme}, {@code client.address}, {@code user_agent.original} and, at the end, {@code
 * http.response.status_code}. 5xx responses fail the request, 4xx only per {@link HttpTracing#clientErrorsFail()}; an
 * error fails it with the exception recorded (status 500 when none was sent).
 *
 * <p>Every method may be called on any thread, never blocks and never throws: a failure of tracing code is counted
 * in {@link HttpTracing#failures()} and logged, and the request is served untraced (or its span ends as it can).
 * Immutable and thread-safe.
 */
public final class HttpServerHandler<Req, Resp> extends HttpHandler<Resp> {
  private final HttpServerAdapter<Req, Resp> adapter;

  HttpServerHandler(HttpTracing tracing, HttpServerAdapter<Req, Resp> adapter) {
    super(tracing);
    this.adapter = adapter;
  }

  @Override
  int statusCode(Resp response) {
    return adapter.statusCode(response);
  }

  /** Starts the SERVER span of {@code request}, its parent read from the request's headers. */
  public Span handleReceive(Req request) {
    SpanContext parent;
    try {
      parent = adapter.extract(request);
    } catch (RuntimeException | LinkageError e) {
      tracing.failed("reading trace headers", e);
      parent = SpanContext.INVALID;
    }
    return handleReceive(request, parent, SpanKind.SERVER);
  }

  /**
   * Starts the span of {@code request} as a child of {@code parent} (already read, say for a policy decision; a new
   * trace when invalid), of {@code kind} (SERVER, or CONSUMER for a message).
   *
   * @return the span (not recording when unsampled; {@link Span#invalid()} when tracing failed)
   */
  public Span handleReceive(Req request, SpanContext parent, SpanKind kind) {
    try {
      String method = adapter.method(request);
      String target = adapter.target(request);
      SpanBuilder builder = tracer.spanBuilder(HttpSpans.spanName(method, null, HttpSpans.path(target))).kind(kind);
      if (parent.isValid()) {
        builder.parent(parent);
      } else {
        builder.noParent();
      }
      // What the span records is captured as is and turned into attributes only at export (never if unsampled).
      return builder.attributes(new HttpAttributes.Server(method, target, adapter.scheme(request),
          adapter.host(request), adapter.port(request), adapter.clientAddress(request), adapter.userAgent(request),
          tracing.redactQueryValues())).start();
    } catch (RuntimeException | LinkageError e) {
      tracing.failed("starting an HTTP server span", e);
      return Span.invalid();
    }
  }

  /**
   * The route that matched names the span: {@code spanName} is {@link HttpSpans#spanName}{@code (method, template,
   * "")}, which a router can build once per route.
   */
  public void route(Span span, String spanName, String template) {
    try {
      if (span.isRecording()) {
        span.updateName(spanName);
        span.setAttribute(SemanticAttributes.HTTP_ROUTE, template);
      }
    } catch (RuntimeException | LinkageError e) {
      tracing.failed("naming an HTTP server span", e);
    }
  }

  /** The {@code traceresponse} header value for {@code span}'s request, or null when not configured (or invalid). */
  public @Nullable String traceResponse(Span span) {
    return tracing.traceResponse() && span.context().isValid()
        ? W3CTraceContext.formatTraceParent(span.context()) : null;
  }

  /** Ends {@code span} with {@code response} and {@code error} (null on success). */
  public void handleSend(Span span, @Nullable Resp response, @Nullable Throwable error) {
    handleStatus(span, status(span, response), error);
  }

  /**
   * Ends {@code span} with a status the integration observed itself ({@code -1} when none; with an error, 500 is
   * recorded then) and {@code error} (null on success).
   */
  public void handleStatus(Span span, int status, @Nullable Throwable error) {
    try {
      if (span.isRecording()) {
        int code = status <= 0 && error != null ? 500 : status;
        if (code > 0) {
          HttpSpans.serverStatus(span, code, tracing.clientErrorsFail());
        }
        if (error != null) {
          HttpSpans.failure(span, error);
        }
      }
    } catch (RuntimeException | LinkageError e) {
      tracing.failed("recording an HTTP response", e);
    } finally {
      span.end();
    }
  }
}
