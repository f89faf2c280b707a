package io.weft.core.instrumentation;

import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.util.context.Context;

/**
 * A subscriber that passes every signal through unchanged and tells its subclass, exactly once, how the subscription
 * ended: completed, failed or cancelled, whichever comes first. The subclass's bookkeeping (ending a span) runs before
 * the signal goes downstream, so that a span has ended by the time the caller sees its work complete.
 *
 * <p>What integrations build their span operators on (R2DBC statements and results, HTTP server exchanges): extend it,
 * end the span in the three callbacks, and it keeps the "exactly once, before the signal goes on" promise. The
 * callbacks must not throw (catch and count inside them); downstream calls stay outside them.
 */
public abstract class WatchingSubscriber<T> extends AtomicBoolean implements CoreSubscriber<T>, Subscription {
  private static final long serialVersionUID = 1L;

  /** The downstream subscriber. */
  protected final transient CoreSubscriber<? super T> actual;
  private transient @Nullable Subscription upstream;

  protected WatchingSubscriber(CoreSubscriber<? super T> actual) {
    this.actual = actual;
  }

  /** The first terminal signal was an error. */
  protected abstract void whenError(Throwable error);

  /** The first terminal signal was completion. */
  protected abstract void whenComplete();

  /** Downstream cancelled before any terminal signal. */
  protected abstract void whenCancelled();

  /** Cancels the upstream subscription; a subclass may watch what the cancellation triggers. */
  protected void cancelUpstream(Subscription subscription) {
    subscription.cancel();
  }

  @Override
  public Context currentContext() {
    return actual.currentContext();
  }

  @Override
  public final void onSubscribe(Subscription subscription) {
    upstream = subscription;
    actual.onSubscribe(this);
  }

  @Override
  public final void onError(Throwable error) {
    if (compareAndSet(false, true)) {
      whenError(error);
    }
    actual.onError(error);
  }

  @Override
  public final void onComplete() {
    if (compareAndSet(false, true)) {
      whenComplete();
    }
    actual.onComplete();
  }

  @Override
  public final void request(long n) {
    Subscription subscription = upstream;
    if (subscription != null) {
      subscription.request(n);
    }
  }

  @Override
  public final void cancel() {
    if (compareAndSet(false, true)) {
      whenCancelled();
    }
    Subscription subscription = upstream;
    if (subscription != null) {
      cancelUpstream(subscription);
    }
  }
}
