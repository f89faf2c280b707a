package io.weft.core;

import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.util.context.Context;

/**
 * What a span operator needs to start one span per subscription. Immutable; the attribute array is shared with
 * every span started from it (they copy on write).
 */
final class SpanTemplate {
  final Tracer tracer;
  final String name;
  final SpanKind kind;
  final Object[] attributes;
  final int attributeCount;
  final @Nullable SpanContext explicitParent;
  final boolean noParent;
  final @Nullable BiConsumer<Span, Object> onValue;
  /** Added to every span the template starts, when it is exported; immutable, so one source serves them all. */
  final @Nullable AttributeSource deferred;

  SpanTemplate(
      Tracer tracer,
      String name,
      SpanKind kind,
      Object[] attributes,
      int attributeCount,
      @Nullable SpanContext explicitParent,
      boolean noParent,
      @Nullable BiConsumer<Span, Object> onValue,
      @Nullable AttributeSource deferred) {
    this.tracer = tracer;
    this.name = name;
    this.kind = kind;
    this.attributes = attributes;
    this.attributeCount = attributeCount;
    this.explicitParent = explicitParent;
    this.noParent = noParent;
    this.onValue = onValue;
    this.deferred = deferred;
  }

  /**
   * Starts the span of one subscription and returns its subscriber, or null when the operator should step aside:
   * the parent in the context is unsampled and the sampler follows it (nothing would be recorded and the parent's
   * context already propagates), or Weft failed internally (counted; the pipeline runs untraced).
   */
  <T> @Nullable SpanSubscriber<T> subscriber(CoreSubscriber<? super T> actual, boolean mono) {
    try {
      Context context = actual.currentContext();
      Object inContext = context.getOrDefault(ContextKeys.SPAN, null);
      // What is current for the subscriber; also restored on the thread-local for signals going downstream.
      Span downstream;
      if (inContext instanceof Span) {
        downstream = (Span) inContext;
        if (explicitParent == null && !noParent && tracer.elides(downstream)) {
          return null;
        }
      } else {
        downstream = ThreadLocalSpan.get();
      }
      Span local = explicitParent == null && !noParent ? downstream : null;
      Span span = tracer.start(name, kind, attributes, attributeCount, local, explicitParent, deferred);
      return new SpanSubscriber<>(actual, span, downstream, context.put(ContextKeys.SPAN, span), mono, onValue, tracer);
    } catch (Throwable error) {
      Exceptions.throwIfFatal(error);
      tracer.internalFailure("span operator " + name, error);
      return null;
    }
  }
}
