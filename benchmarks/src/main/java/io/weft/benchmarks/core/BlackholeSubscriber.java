package io.weft.benchmarks.core;

import org.openjdk.jmh.infra.Blackhole;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.util.context.Context;

/**
 * Subscribes every benchmark in this package to its pipeline. It requests everything, passes each value to the
 * benchmark's {@link Blackhole} and shows upstream a fixed Reactor context.
 *
 * <p>{@link #consume} calls {@code Publisher.subscribe(Subscriber)}, the entry point applications use, not the
 * internal {@code subscribe(CoreSubscriber)} overload. This way Reactor's last-assembly hook and, when it is on,
 * automatic context propagation run as they would in an application.
 *
 * <p>Every pipeline measured here is synchronous. When {@code consume} returns, the value has been consumed and the
 * subscriber can be reused at once, so an operation allocates nothing for its subscriber. Not thread-safe: keep one
 * per benchmark thread ({@code Scope.Thread}).
 */
final class BlackholeSubscriber implements CoreSubscriber<Object> {
  private final Context context;
  private Blackhole blackhole;
  private Throwable error;

  /** A subscriber whose {@link #currentContext()} is {@code context}. */
  BlackholeSubscriber(Context context) {
    this.context = context;
  }

  /** Subscribes to {@code source} and sends what it emits to {@code blackhole}. */
  void consume(Publisher<?> source, Blackhole blackhole) {
    this.blackhole = blackhole;
    source.subscribe(this);
  }

  @Override
  public Context currentContext() {
    return context;
  }

  @Override
  public void onSubscribe(Subscription s) {
    s.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(Object value) {
    blackhole.consume(value);
  }

  @Override
  public void onError(Throwable t) {
    if (error == null) {
      error = t;
    }
  }

  @Override
  public void onComplete() {}

  /**
   * Throws if any pipeline has failed. Call it at tear-down: a failing pipeline can be much faster than a working
   * one, so its timings would be meaningless.
   */
  void checkNoError() {
    if (error != null) {
      throw new IllegalStateException("a benchmarked pipeline failed; its timings are meaningless", error);
    }
  }
}
