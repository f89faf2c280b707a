package io.weft.core;

import org.jspecify.annotations.Nullable;

/**
 * A started span that is the thread-local current span until {@link #close()}, which restores the previous current
 * span and ends this one. For imperative code: {@code try (SpanScope scope = tracer.spanBuilder("work")
 * .startScoped()) { ... }}. A {@code Mono} assembled and subscribed inside the block becomes a child of this span.
 *
 * <p>Not thread-safe: open and close it on one thread.
 */
public final class SpanScope implements Scope {
  private final Span span;
  private final @Nullable Span previous;
  private boolean closed;

  SpanScope(Span span) {
    this.span = span;
    this.previous = ThreadLocalSpan.swap(span);
  }

  /** The span this scope made current. */
  public Span span() {
    return span;
  }

  /** Records {@code error} on the span and marks it failed; returns it for rethrowing. */
  public <E extends Throwable> E fail(E error) {
    span.recordException(error);
    span.setStatus(StatusCode.ERROR, error.getMessage());
    return error;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    ThreadLocalSpan.restore(previous);
    span.end();
  }
}
