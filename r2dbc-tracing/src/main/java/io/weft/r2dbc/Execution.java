package io.weft.r2dbc;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.Result;
import io.weft.core.Span;
import io.weft.core.instrumentation.DbTracing;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * One subscription to a traced {@code execute()}: its span, and the bookkeeping that ends the span when the work is
 * really over. {@code execute()} emitting its last {@link Result} is not the end: rows are still streaming. The span
 * ends when the producer is done and every emitted result has been consumed (its rows or update count drained), or
 * at the first error, or when the consumer cancels part-way through; whichever comes first, exactly once.
 *
 * <p>Thread-safe: results may be consumed concurrently on any thread.
 */
final class Execution {
  private static final AtomicIntegerFieldUpdater<Execution> PENDING =
      AtomicIntegerFieldUpdater.newUpdater(Execution.class, "pending");
  private static final AtomicIntegerFieldUpdater<Execution> ENDED =
      AtomicIntegerFieldUpdater.newUpdater(Execution.class, "ended");
  private static final AtomicIntegerFieldUpdater<Execution> RESULTS =
      AtomicIntegerFieldUpdater.newUpdater(Execution.class, "results");
  private static final AtomicLongFieldUpdater<Execution> ROWS =
      AtomicLongFieldUpdater.newUpdater(Execution.class, "rows");
  private static final AtomicLongFieldUpdater<Execution> UPDATED =
      AtomicLongFieldUpdater.newUpdater(Execution.class, "updated");

  private final Span span;
  private final R2dbcTracing tracing;
  /** The producer (1) plus every emitted result not yet consumed. */
  private volatile int pending = 1;
  private volatile int ended;
  /** True while the consumer's cancel travels up to the driver (see {@link #cancelling(boolean)}). */
  private volatile boolean cancelling;
  private volatile int results;
  /** Rows delivered by {@code map}/{@code flatMap}; -1 while none was read. */
  private volatile long rows = -1;
  /** Sum of update counts; -1 while none was read. */
  private volatile long updated = -1;

  Execution(Span span, R2dbcTracing tracing) {
    this.span = span;
    this.tracing = tracing;
  }

  Span span() {
    return span;
  }

  boolean isEnded() {
    return ended != 0;
  }

  R2dbcTracing tracing() {
    return tracing;
  }

  /** A result the producer emitted: it must be consumed before the span can end. */
  Result track(Result result) {
    PENDING.incrementAndGet(this);
    RESULTS.incrementAndGet(this);
    return new TracingResult(result, this, new TracingResult.Consumption(this));
  }

  /** The producer completed, or was cancelled after it emitted results (as {@code Mono.from(execute())} does). */
  void producerDone(boolean cancelled) {
    if (cancelled && results == 0) {
      // Cancelled before any result: the query itself was abandoned.
      cancelled();
    } else {
      release();
    }
  }

  /**
   * Marks the window in which the consumer's cancellation of {@code execute()} reaches the driver. Some drivers (H2)
   * answer it by completing the rows of a result being read: a completion in that window is the cancellation, not
   * the end of the rows.
   */
  void cancelling(boolean cancelling) {
    this.cancelling = cancelling;
  }

  boolean isCancelling() {
    return cancelling;
  }

  /** One pending part (the producer or a result) is finished. */
  void release() {
    if (PENDING.decrementAndGet(this) <= 0) {
      end();
    }
  }

  void rows(long count) {
    ROWS.getAndUpdate(this, current -> current < 0 ? count : current + count);
  }

  void updated(long count) {
    UPDATED.getAndUpdate(this, current -> current < 0 ? count : current + count);
  }

  void failed(Throwable error) {
    if (ENDED.compareAndSet(this, 0, 1)) {
      try {
        if (error instanceof R2dbcException) {
          R2dbcException r2dbc = (R2dbcException) error;
          DbTracing.failure(span, error, r2dbc.getSqlState(), r2dbc.getErrorCode());
        } else {
          DbTracing.failure(span, error, null);
        }
        counts();
      } finally {
        span.end();
      }
    }
  }

  void cancelled() {
    if (ENDED.compareAndSet(this, 0, 1)) {
      try {
        counts();
      } finally {
        span.endCancelled();
      }
    }
  }

  /** Ends the span with what was counted so far: the work is over (completed, or its connection closed). */
  void end() {
    if (ENDED.compareAndSet(this, 0, 1)) {
      try {
        counts();
      } finally {
        span.end();
      }
    }
  }

  private void counts() {
    DbTracing.counts(span, rows, updated);
  }
}
