package io.weft.core;

/**
 * The Reactor {@code Context} keys Weft uses. Integrations in other modules read and write the current span only
 * through these constants.
 */
public final class ContextKeys {
  /**
   * The current {@link Span} of a pipeline. A span operator puts its span under this key for everything upstream of
   * it, and every Weft integration takes the value found here in the subscriber's context as the parent. {@link
   * SpanThreadLocalAccessor} (registered with Micrometer's context-propagation under the same key) mirrors it into
   * the thread-local current span when {@code Hooks.enableAutomaticContextPropagation()} is on.
   */
  public static final String SPAN = "weft.span";

  private ContextKeys() {}
}
