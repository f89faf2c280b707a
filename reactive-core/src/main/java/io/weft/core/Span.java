package io.weft.core;

import org.jspecify.annotations.Nullable;
import reactor.util.context.ContextView;

/**
 * One timed operation in a trace.
 *
 * <p>Every method is safe to call from any thread and never throws: writes after {@link #end()}, null keys and
 * values, and anything over the limits are ignored or truncated and counted. A span ends exactly once; later calls
 * to {@code end} are ignored. Unsampled spans carry only their {@link #context()}: writes cost nothing and are
 * dropped.
 */
public interface Span {

  /** The identity that propagates to children and to other processes. */
  SpanContext context();

  /** Whether this span records attributes and will be exported (it is sampled and not yet ended). */
  boolean isRecording();

  /** Sets a string attribute; a value over 8,192 characters is truncated and counted. */
  Span setAttribute(String key, @Nullable String value);

  /** Sets a long attribute. */
  Span setAttribute(String key, long value);

  /** Sets a double attribute. */
  Span setAttribute(String key, double value);

  /** Sets a boolean attribute. */
  Span setAttribute(String key, boolean value);

  /** Sets the outcome; {@code OK} is final, {@code UNSET} is ignored. */
  Span setStatus(StatusCode status, @Nullable String description);

  /** Records the exception (type, message, stack trace); a span keeps the first one it is given. */
  Span recordException(Throwable exception);

  /** Renames the span, e.g. once an HTTP route is known. */
  Span updateName(String name);

  /** Ends the span now and hands it to the exporters if it is sampled. Only the first call counts. */
  void end();

  /**
   * Ends the span because its consumer cancelled the work (an integration whose caller stopped listening, e.g. a
   * query whose rows were cut short by {@code take(n)}): not an error, marked {@code weft.cancelled=true}. Only the
   * first end counts.
   */
  void endCancelled();

  /** Whether {@link #end()} (or a terminal signal of a span operator) has ended this span. */
  boolean isEnded();

  /**
   * Makes this span the thread-local current span until the returned scope is closed, which restores the previous
   * one. Close it on the same thread, with try-with-resources.
   */
  Scope makeCurrent();

  /** The thread-local current span, or {@link #invalid()} when there is none. */
  static Span current() {
    Span span = ThreadLocalSpan.get();
    return span != null ? span : NonRecordingSpan.INVALID;
  }

  /** The current span of a Reactor context (key {@link ContextKeys#SPAN}), or {@link #invalid()}. */
  static Span fromContext(ContextView context) {
    Object span = context.getOrDefault(ContextKeys.SPAN, null);
    return span instanceof Span ? (Span) span : NonRecordingSpan.INVALID;
  }

  /** A span that is not part of any trace: invalid context, every write ignored. */
  static Span invalid() {
    return NonRecordingSpan.INVALID;
  }
}
