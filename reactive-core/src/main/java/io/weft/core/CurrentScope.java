package io.weft.core;

import org.jspecify.annotations.Nullable;

/** The scope of {@link Span#makeCurrent()}: restores the previous thread-local span once. */
final class CurrentScope implements Scope {
  private final @Nullable Span previous;
  private boolean closed;

  CurrentScope(Span span) {
    this.previous = ThreadLocalSpan.swap(span);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      ThreadLocalSpan.restore(previous);
    }
  }
}
