package io.weft.core;

import java.time.Instant;
import java.util.concurrent.TimeUnit;
import reactor.core.scheduler.Scheduler;

/**
 * Where span times come from: a monotonic reading for durations and its wall-clock equivalent for start times.
 * Implementations must be thread-safe and must not block.
 */
public interface Clock {

  /** A monotonic reading in nanoseconds, as {@link System#nanoTime()}. */
  long nanoTime();

  /** The wall-clock time, in nanoseconds since the epoch, at which {@link #nanoTime()} read {@code nanoTime}. */
  long epochNanos(long nanoTime);

  /**
   * The system clock: {@link System#nanoTime()} for durations, anchored to the wall clock once a second so that a
   * span start costs one monotonic read and no allocation.
   */
  static Clock system() {
    return SystemClock.INSTANCE;
  }

  /**
   * A clock that reads {@code scheduler.now()}: with a {@code VirtualTimeScheduler} span durations follow virtual
   * time in tests. The epoch starts at the scheduler's zero.
   */
  static Clock of(Scheduler scheduler) {
    return new Clock() {
      @Override
      public long nanoTime() {
        return scheduler.now(TimeUnit.NANOSECONDS);
      }

      @Override
      public long epochNanos(long nanoTime) {
        return nanoTime;
      }
    };
  }

  /** The system clock's implementation. */
  final class SystemClock implements Clock {
    static final SystemClock INSTANCE = new SystemClock();
    private static final long REANCHOR_NANOS = TimeUnit.SECONDS.toNanos(1);

    private record Anchor(long epochNanos, long nanoTime) {}

    private volatile Anchor anchor = newAnchor();

    private SystemClock() {}

    private static Anchor newAnchor() {
      Instant now = Instant.now();
      long nano = System.nanoTime();
      return new Anchor(now.getEpochSecond() * 1_000_000_000L + now.getNano(), nano);
    }

    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public long epochNanos(long nanoTime) {
      Anchor a = anchor;
      long delta = nanoTime - a.nanoTime;
      if (delta > REANCHOR_NANOS) {
        // Follow NTP adjustments of the wall clock without reading it on every span.
        a = newAnchor();
        anchor = a;
        delta = nanoTime - a.nanoTime;
      }
      return a.epochNanos + delta;
    }
  }
}
