package io.weft.core;

import io.micrometer.context.ThreadLocalAccessor;
import org.jspecify.annotations.Nullable;

/**
 * Bridges the Reactor-context key {@link ContextKeys#SPAN} and Weft's thread-local current span for Micrometer's
 * context-propagation library. It is registered through {@code META-INF/services}, so {@code
 * ContextRegistry.getInstance()} finds it; with {@code Hooks.enableAutomaticContextPropagation()} Reactor then sets
 * the thread-local span inside {@code handle}, {@code tap} and the other restoring operators and clears it after.
 */
public final class SpanThreadLocalAccessor implements ThreadLocalAccessor<Span> {

  /** Public for {@link java.util.ServiceLoader}; register nothing by hand. */
  public SpanThreadLocalAccessor() {}

  @Override
  public Object key() {
    return ContextKeys.SPAN;
  }

  @Override
  public @Nullable Span getValue() {
    return ThreadLocalSpan.get();
  }

  @Override
  public void setValue(Span value) {
    ThreadLocalSpan.restore(value);
  }

  @Override
  public void setValue() {
    ThreadLocalSpan.restore(null);
  }
}
