package io.weft.core;

import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The subscriber of {@link MonoSpan} and {@link FluxSpan}: exposes a context holding the span to everything
 * upstream and ends the span on the first terminal outcome, before passing the signal on.
 *
 * <ul>
 *   <li>Mono: the value ends the span (OK), or completion when empty;
 *   <li>Flux: completion ends the span;
 *   <li>error: status ERROR with the exception recorded;
 *   <li>cancel: ended and marked {@code weft.cancelled=true}, not an error.
 * </ul>
 *
 * <p>Thread-locals: requests and cancellations travel upstream with the span as the thread-local current span,
 * and signals travel downstream ({@code onSubscribe} included) with the parent's span (what was current for the
 * subscriber) put back, so the thread-local always matches the Reactor context on both sides. With {@code
 * Hooks.enableAutomaticContextPropagation()} Reactor captures it when work is scheduled, which is what makes the
 * span current inside {@code map} after a {@code publishOn}; without the hook it costs two thread-local writes per
 * signal.
 *
 * <p>The span ends exactly once whatever races happen between cancel and a terminal signal (the span itself
 * guards its end). Tracing code runs inside try/catch; downstream calls stay outside it, so the user's signal is
 * never changed by a tracing failure.
 */
final class SpanSubscriber<T> implements CoreSubscriber<T>, Subscription, Scannable {
  private final CoreSubscriber<? super T> actual;
  final Span span;
  // What is current for the downstream subscriber: the parent, or null.
  private final @Nullable Span parent;
  private final @Nullable RecordingSpan recording;
  private final Context context;
  private final boolean mono;
  private final @Nullable BiConsumer<Span, Object> onValue;
  private final Tracer tracer;

  private @Nullable Subscription s;
  private boolean done;
  private boolean valued;
  private volatile boolean cancelled;

  SpanSubscriber(
      CoreSubscriber<? super T> actual,
      Span span,
      @Nullable Span parent,
      Context context,
      boolean mono,
      @Nullable BiConsumer<Span, Object> onValue,
      Tracer tracer) {
    this.actual = actual;
    this.span = span;
    this.parent = parent;
    this.recording = span instanceof RecordingSpan ? (RecordingSpan) span : null;
    this.context = context;
    this.mono = mono;
    this.onValue = onValue;
    this.tracer = tracer;
  }

  @Override
  public Context currentContext() {
    return context;
  }

  @Override
  public void onSubscribe(Subscription s) {
    if (Operators.validate(this.s, s)) {
      this.s = s;
      // Downstream's onSubscribe (doOnSubscribe, a first request, a timeout's timer, runOn's first drain) runs with
      // downstream's span current, as every other signal going down does: not with this child span.
      Span previous = ThreadLocalSpan.swap(parent);
      try {
        actual.onSubscribe(this);
      } finally {
        ThreadLocalSpan.restore(previous);
      }
    }
  }

  @Override
  public void onNext(T t) {
    if (done) {
      Operators.onNextDropped(t, context);
      return;
    }
    RecordingSpan r = recording;
    if (r != null) {
      if (onValue != null) {
        try {
          onValue.accept(r, t);
        } catch (Throwable error) {
          Exceptions.throwIfFatal(error);
          tracer.callbackFailure("onValue of span " + r.name(), error);
        }
      }
      if (mono && !valued) {
        valued = true;
        end(r, null);
      }
    }
    Span previous = ThreadLocalSpan.swap(parent);
    try {
      actual.onNext(t);
    } finally {
      ThreadLocalSpan.restore(previous);
    }
  }

  @Override
  public void onError(Throwable t) {
    if (done) {
      Operators.onErrorDropped(t, context);
      return;
    }
    done = true;
    RecordingSpan r = recording;
    if (r != null) {
      end(r, t);
    }
    Span previous = ThreadLocalSpan.swap(parent);
    try {
      actual.onError(t);
    } finally {
      ThreadLocalSpan.restore(previous);
    }
  }

  @Override
  public void onComplete() {
    if (done) {
      return;
    }
    done = true;
    RecordingSpan r = recording;
    if (r != null && !valued) {
      end(r, null);
    }
    Span previous = ThreadLocalSpan.swap(parent);
    try {
      actual.onComplete();
    } finally {
      ThreadLocalSpan.restore(previous);
    }
  }

  @Override
  public void request(long n) {
    Subscription upstream = s;
    if (upstream != null) {
      Span previous = ThreadLocalSpan.swap(span);
      try {
        upstream.request(n);
      } finally {
        ThreadLocalSpan.restore(previous);
      }
    }
  }

  @Override
  public void cancel() {
    cancelled = true;
    RecordingSpan r = recording;
    if (r != null && !done) {
      try {
        r.endCancelled();
      } catch (Throwable error) {
        Exceptions.throwIfFatal(error);
        tracer.internalFailure("ending span on cancel", error);
      }
    }
    Subscription upstream = s;
    if (upstream != null) {
      Span previous = ThreadLocalSpan.swap(span);
      try {
        upstream.cancel();
      } finally {
        ThreadLocalSpan.restore(previous);
      }
    }
  }

  private void end(RecordingSpan r, @Nullable Throwable error) {
    try {
      if (error == null) {
        r.end();
      } else {
        r.endWithError(error);
      }
    } catch (Throwable failure) {
      Exceptions.throwIfFatal(failure);
      tracer.internalFailure("ending span", failure);
    }
  }

  @Override
  @SuppressWarnings("rawtypes") // Reactor's signature
  public @Nullable Object scanUnsafe(Attr key) {
    if (key == Attr.PARENT) {
      return s;
    }
    if (key == Attr.ACTUAL) {
      return actual;
    }
    if (key == Attr.TERMINATED) {
      return done;
    }
    if (key == Attr.CANCELLED) {
      return cancelled;
    }
    if (key == Attr.RUN_STYLE) {
      return Attr.RunStyle.SYNC;
    }
    return null;
  }

  @Override
  public String toString() {
    return "SpanSubscriber{" + span + "}";
  }
}
