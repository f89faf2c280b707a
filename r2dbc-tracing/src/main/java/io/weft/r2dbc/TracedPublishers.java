package io.weft.r2dbc;

import io.r2dbc.spi.Result;
import io.weft.core.instrumentation.WatchingSubscriber;
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

  private static final class ExecuteSubscriber extends WatchingSubscriber<Result> {
    private static final long serialVersionUID = 1L;
    private final transient Execution execution;

    ExecuteSubscriber(CoreSubscriber<? super Result> actual, Execution execution) {
      super(actual);
      this.execution = execution;
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
    protected void whenError(Throwable error) {
      execution.failed(error);
    }

    @Override
    protected void whenComplete() {
      execution.producerDone(false);
    }

    @Override
    protected void whenCancelled() {
      execution.producerDone(true);
    }

    @Override
    protected void cancelUpstream(Subscription subscription) {
      execution.cancelling(true);
      try {
        subscription.cancel();
      } finally {
        execution.cancelling(false);
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

  private static final class ConsumeSubscriber<T> extends WatchingSubscriber<T> {
    private static final long serialVersionUID = 1L;
    private final transient TracingResult.Consumption consumption;
    private final Kind kind;
    private long elements;

    ConsumeSubscriber(CoreSubscriber<? super T> actual, TracingResult.Consumption consumption, Kind kind) {
      super(actual);
      this.consumption = consumption;
      this.kind = kind;
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
    protected void whenError(Throwable error) {
      consumption.execution().failed(error);
    }

    @Override
    protected void whenComplete() {
      if (kind == Kind.ROWS && elements == 0) {
        consumption.execution().rows(0);
      }
      if (consumption.execution().isCancelling() && kind != Kind.UPDATE_COUNT) {
        consumption.execution().cancelled();
      } else {
        consumption.finished();
      }
    }

    @Override
    protected void whenCancelled() {
      if (kind == Kind.UPDATE_COUNT && elements > 0) {
        // Mono.from(result.getRowsUpdated()) cancels after the count: the result was read in full.
        consumption.finished();
      } else {
        consumption.execution().cancelled();
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
