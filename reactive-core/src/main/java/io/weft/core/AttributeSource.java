package io.weft.core;

/**
 * Attributes worked out only when they are read, at export, instead of on the thread of the traced call: what an
 * integration derives from values it already holds (a recorded URL from the request's URL, a server address from its
 * authority). Given to {@link SpanBuilder#attributes(AttributeSource)}; never evaluated for a span that is not sampled.
 *
 * <p>{@link #addTo} runs at most once per span, on whatever thread first reads the span's attributes (usually the
 * exporter's), after the span may have ended: it must only read what it captured (immutable values), must not
 * block, and should not throw (what it throws is counted in {@link TracerStats#internalFailures()} and the
 * attributes it added so far are kept). An attribute set on the span itself wins over one of the same key added here.
 */
@FunctionalInterface
public interface AttributeSource {
  /** Adds this source's attributes to {@code sink}. */
  void addTo(Sink sink);

  /** Where a source adds its attributes; the span's limits (count, value length) apply. */
  interface Sink {
    /** Adds a string attribute; a null value is skipped. */
    void put(String key, @org.jspecify.annotations.Nullable String value);

    /** Adds a long attribute. */
    void put(String key, long value);
  }
}
