package io.weft.core;

import org.jspecify.annotations.Nullable;

/**
 * The thread-local current span of imperative code. The Reactor {@code Context} is the source of truth inside
 * pipelines; {@link SpanThreadLocalAccessor} mirrors it here when Reactor's automatic context propagation is on.
 * Every change of the current span goes through here, so {@link LogCorrelation} keeps the MDC in step.
 */
final class ThreadLocalSpan {
  // Why set(null) rather than remove(): removing and re-adding the map entry costs more than a null value, and a
  // null value retains nothing.
  private static final ThreadLocal<@Nullable Span> CURRENT = new ThreadLocal<>();

  private ThreadLocalSpan() {}

  static @Nullable Span get() {
    return CURRENT.get();
  }

  /** Sets {@code span} as current and returns the previous one. */
  static @Nullable Span swap(@Nullable Span span) {
    Span previous = CURRENT.get();
    CURRENT.set(span);
    if (previous != span && LogCorrelation.isEnabled()) {
      LogCorrelation.spanChanged(span);
    }
    return previous;
  }

  static void restore(@Nullable Span previous) {
    if (LogCorrelation.isEnabled()) {
      Span current = CURRENT.get();
      CURRENT.set(previous);
      if (current != previous) {
        LogCorrelation.spanChanged(previous);
      }
      return;
    }
    CURRENT.set(previous);
  }
}
