package io.weft.core;

import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;

/**
 * Wraps a {@link Flux} in one span per subscription. See {@link SpanSubscriber} for when the span ends.
 *
 * <p>While the source is being subscribed, the span is also the thread-local current span, so imperative code that
 * runs synchronously at subscription (e.g. in {@code Flux.generate}) sees it as its parent.
 */
final class FluxSpan<T> extends FluxOperator<T, T> {
  private final SpanTemplate template;

  private FluxSpan(Flux<? extends T> source, SpanTemplate template) {
    super(source);
    this.template = template;
  }

  static <T> Flux<T> create(Flux<T> source, SpanTemplate template) {
    return onAssembly(new FluxSpan<>(source, template));
  }

  @Override
  public void subscribe(CoreSubscriber<? super T> actual) {
    SpanSubscriber<T> subscriber = template.subscriber(actual, false);
    if (subscriber == null) {
      source.subscribe(actual);
      return;
    }
    Span previous = ThreadLocalSpan.swap(subscriber.span);
    try {
      source.subscribe(subscriber);
    } finally {
      ThreadLocalSpan.restore(previous);
    }
  }

  @Override
  @SuppressWarnings("rawtypes") // Reactor's signature
  public @Nullable Object scanUnsafe(Attr key) {
    if (key == Attr.RUN_STYLE) {
      return Attr.RunStyle.SYNC;
    }
    if (key == ReactorInternals.INTERNAL_PRODUCER) {
      return true;
    }
    return super.scanUnsafe(key);
  }
}
