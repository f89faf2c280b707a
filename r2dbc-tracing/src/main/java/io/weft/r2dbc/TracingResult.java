package io.weft.r2dbc;

import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.RowMetadata;
import io.r2dbc.spi.Wrapped;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import org.reactivestreams.Publisher;

/**
 * A result of a traced statement: consuming it ({@code map}, {@code getRowsUpdated}, {@code flatMap}) counts rows
 * and tells the {@link Execution} when it is done. {@code filter} returns a result that shares this one's
 * consumption, since consuming the filtered result consumes this one.
 */
final class TracingResult implements Result, Wrapped<Result> {
  private final Result delegate;
  private final Execution execution;
  private final Consumption consumption;

  TracingResult(Result delegate, Execution execution, Consumption consumption) {
    this.delegate = delegate;
    this.execution = execution;
    this.consumption = consumption;
  }

  /** One result's consumption: finishes once, whichever of its views is drained. */
  static final class Consumption extends AtomicBoolean {
    private static final long serialVersionUID = 1L;
    private final transient Execution execution;

    Consumption(Execution execution) {
      this.execution = execution;
    }

    Execution execution() {
      return execution;
    }

    void finished() {
      if (compareAndSet(false, true)) {
        execution.release();
      }
    }
  }

  @Override
  public Publisher<Long> getRowsUpdated() {
    return new TracedPublishers.Consume<>(delegate.getRowsUpdated(), consumption, TracedPublishers.Kind.UPDATE_COUNT);
  }

  @Override
  public <T> Publisher<T> map(BiFunction<Row, RowMetadata, ? extends T> mappingFunction) {
    return new TracedPublishers.Consume<>(delegate.map(mappingFunction), consumption, TracedPublishers.Kind.ROWS);
  }

  @Override
  public <T> Publisher<T> map(Function<? super Readable, ? extends T> mappingFunction) {
    return new TracedPublishers.Consume<>(delegate.map(mappingFunction), consumption, TracedPublishers.Kind.ROWS);
  }

  @Override
  public Result filter(Predicate<Segment> filter) {
    return new TracingResult(delegate.filter(filter), execution, consumption);
  }

  @Override
  public <T> Publisher<T> flatMap(Function<Segment, ? extends Publisher<? extends T>> mappingFunction) {
    return new TracedPublishers.Consume<>(
        delegate.flatMap(TracedPublishers.counting(mappingFunction, execution)), consumption,
        TracedPublishers.Kind.SEGMENTS);
  }

  @Override
  public Result unwrap() {
    return delegate;
  }

  @Override
  public String toString() {
    return "Traced[" + delegate + "]";
  }
}
