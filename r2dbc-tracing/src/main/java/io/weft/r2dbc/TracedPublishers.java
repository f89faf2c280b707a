package io.weft.r2dbc;

import io.r2dbc.spi.Result;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.util.context.Context;

/**
 * The two publishers behind traced statements: {@link Execute} starts one span per subscription to {@code
 * execute()} and hands out tracked results; {@link Consume} watches one result being consumed. Both pass every
 * signal through unchanged and in order; the span's bookkeeping runs before the signal goes downstream, so that a
 * span has ended by the time the caller sees its query complete.
 */
final class TracedPublishers {
  private TracedPublishers() {}

  /** Starts the span for one subscription; returns null when this subscription is not traced. */
  interface Starter {
    @Nullable Execution start(Context context);
  }

  /** {@code execute()}: one {@link Execution} per subscription. */
  static final class Execute extends Flux<Result> {
    private final Publisher<? extends Result> source;
    private final Starter starter;
    private final R2dbcTracing tracing;

    Execute(Publisher<? extends Result> source, Starter starter, R2dbcTracing tracing) {
      this.source = source;
      this.starter = starter;
      this.tracing = tracing;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Result> actual) {
      Execution execution = null;
      try {
        execution = starter.start(actual.currentContext());
      } catch (RuntimeException | LinkageError e) {
        tracing.failed("starting a statement span", e);
      }
      if (execution == null) {
        source.subscribe(actual);
      } else {
        source.subscribe(new ExecuteSubscriber(actual, execution));
      }
    }
  }

  private static final class ExecuteSubscriber extends AtomicBoolean implements CoreSubscriber<Result>, Subscription {
    private static final long serialVersionUID = 1L;
    private final CoreSubscriber<? super Result> actual;
    private final Execution execution;
    private @Nullable Subscription upstream;

    ExecuteSubscriber(CoreSubscriber<? super Result> actual, Execution execution) {
      this.actual = actual;
      this.execution = execution;
    }

    @Override
    public Context currentContext() {
      return actual.currentContext();
    }

    @Override
    public void onSubscribe(Subscription s) {
      upstream = s;
      actual.onSubscribe(this);
    }

    @Override
    public void onNext(Result result) {
      Result tracked = result;
      if (!execution.isEnded()) {
        try {
          tracked = execution.track(result);
        } catch (RuntimeException e) {
          execution.tracing().failed("tracking a result", e);
        }
      }
      actual.onNext(tracked);
    }

    @Override
    public void onError(Throwable error) {
      if (compareAndSet(false, true)) {
        execution.failed(error);
      }
      actual.onError(error);
    }

    @Override
    public void onComplete() {
      if (compareAndSet(false, true)) {
        execution.producerDone(false);
      }
      actual.onComplete();
    }

    @Override
    public void request(long n) {
      Subscription s = upstream;
      if (s != null) {
        s.request(n);
      }
    }

    @Override
    public void cancel() {
      if (compareAndSet(false, true)) {
        execution.producerDone(true);
      }
      Subscription s = upstream;
      if (s != null) {
        execution.cancelling(true);
        try {
          s.cancel();
        } finally {
          execution.cancelling(false);
        }
      }
    }
  }

  /** What one consumed element means for the execution. */
  enum Kind {
    /** {@code map}: each element is a row. */
    ROWS,
    /** {@code getRowsUpdated}: each element is an update count; the first one is the answer. */
    UPDATE_COUNT,
    /** {@code flatMap}: counting happens on the segments, elements mean nothing. */
    SEGMENTS
  }

  /** The consumption of one result through {@code map}, {@code getRowsUpdated} or {@code flatMap}. */
  static final class Consume<T> extends Flux<T> {
    private final Publisher<? extends T> source;
    private final TracingResult.Consumption consumption;
    private final Kind kind;

    Consume(Publisher<? extends T> source, TracingResult.Consumption consumption, Kind kind) {
      this.source = source;
      this.consumption = consumption;
      this.kind = kind;
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
      source.subscribe(new ConsumeSubscriber<>(actual, consumption, kind));
    }
  }

  private static final class ConsumeSubscriber<T> extends AtomicBoolean implements CoreSubscriber<T>, Subscription {
    private static final long serialVersionUID = 1L;
    private final CoreSubscriber<? super T> actual;
    private final TracingResult.Consumption consumption;
    private final Kind kind;
    private @Nullable Subscription upstream;
    private long elements;

    ConsumeSubscriber(CoreSubscriber<? super T> actual, TracingResult.Consumption consumption, Kind kind) {
      this.actual = actual;
      this.consumption = consumption;
      this.kind = kind;
    }

    @Override
    public Context currentContext() {
      return actual.currentContext();
    }

    @Override
    public void onSubscribe(Subscription s) {
      upstream = s;
      actual.onSubscribe(this);
    }

    @Override
    public void onNext(T value) {
      elements++;
      if (kind == Kind.ROWS) {
        consumption.execution().rows(1);
      } else if (kind == Kind.UPDATE_COUNT && value instanceof Number) {
        consumption.execution().updated(((Number) value).longValue());
      }
      actual.onNext(value);
    }

    @Override
    public void onError(Throwable error) {
      if (compareAndSet(false, true)) {
        consumption.execution().failed(error);
      }
      actual.onError(error);
    }

    @Override
    public void onComplete() {
      if (compareAndSet(false, true)) {
        if (kind == Kind.ROWS && elements == 0) {
          consumption.execution().rows(0);
        }
        if (consumption.execution().isCancelling() && kind != Kind.UPDATE_COUNT) {
          consumption.execution().cancelled();
        } else {
          consumption.finished();
        }
      }
      actual.onComplete();
    }

    @Override
    public void request(long n) {
      Subscription s = upstream;
      if (s != null) {
        s.request(n);
      }
    }

    @Override
    public void cancel() {
      if (compareAndSet(false, true)) {
        if (kind == Kind.UPDATE_COUNT && elements > 0) {
          // Mono.from(result.getRowsUpdated()) cancels after the count: the result was read in full.
          consumption.finished();
        } else {
          consumption.execution().cancelled();
        }
      }
      Subscription s = upstream;
      if (s != null) {
        s.cancel();
      }
    }
  }

  /** Wraps a segment function so that row and update-count segments are counted on the way. */
  static <T> Function<Result.Segment, ? extends Publisher<? extends T>> counting(
      Function<Result.Segment, ? extends Publisher<? extends T>> mapper, Execution execution) {
    return segment -> {
      if (segment instanceof Result.RowSegment) {
        execution.rows(1);
      } else if (segment instanceof Result.UpdateCount) {
        execution.updated(((Result.UpdateCount) segment).value());
      }
      return mapper.apply(segment);
    };
  }
}
