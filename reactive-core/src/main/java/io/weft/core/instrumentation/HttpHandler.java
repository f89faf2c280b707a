package io.weft.core.instrumentation;

import io.weft.core.Span;
import io.weft.core.Tracer;
import org.jspecify.annotations.Nullable;

/**
 * What {@link HttpClientHandler} and {@link HttpServerHandler} share: the settings, reading a response's status
 * through the adapter, and ending a span as cancelled. Never throws.
 */
abstract class HttpHandler<Resp> {
  final HttpTracing tracing;
  final Tracer tracer;

  HttpHandler(HttpTracing tracing) {
    this.tracing = tracing;
    this.tracer = tracing.tracer();
  }

  /** The adapter's reading of {@code response}'s status code. */
  abstract int statusCode(Resp response);

  /** {@code response}'s status, read only when {@code span} records it; -1 when none or unreadable. */
  final int status(Span span, @Nullable Resp response) {
    try {
      if (response != null && span.isRecording()) {
        return statusCode(response);
      }
    } catch (RuntimeException | LinkageError e) {
      tracing.failed("reading an HTTP response", e);
    }
    return -1;
  }

  /**
   * Ends {@code span} as cancelled ({@code weft.cancelled}): the caller gave up on the call, or the client on the
   * request. {@code status} when one had been sent or received, else -1.
   */
  public final void handleCancel(Span span, int status) {
    try {
      if (status > 0 && span.isRecording()) {
        span.setAttribute(SemanticAttributes.HTTP_RESPONSE_STATUS_CODE, (long) status);
      }
    } catch (RuntimeException | LinkageError e) {
      tracing.failed("recording a cancelled HTTP exchange", e);
    } finally {
      span.endCancelled();
    }
  }

  /** The settings this handler applies. */
  public final HttpTracing tracing() {
    return tracing;
  }
}
