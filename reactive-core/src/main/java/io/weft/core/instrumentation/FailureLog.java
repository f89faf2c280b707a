package io.weft.core.instrumentation;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Logs failures of one kind at WARN at most once a minute, each warning saying how many more happened since the
 * previous one; the failures in between go to DEBUG. The caller counts; this class keeps logs from flooding when
 * something fails on every span, without hiding that it keeps failing.
 *
 * <p>Thread-safe and non-blocking apart from what the logging backend does. Never throws, whatever the backend does.
 */
public final class FailureLog {
  /** The shortest time between two warnings of one log. */
  public static final long INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Logger logger;
  private final String what;
  private final LongSupplier nanoTime;
  // When the next warning may be logged; NEVER_WARNED until the first.
  private final AtomicLong nextWarning = new AtomicLong(NEVER_WARNED);
  // Failures since the last warning (not counting the one a warning reports itself).
  private final AtomicLong suppressed = new AtomicLong();
  private static final long NEVER_WARNED = Long.MIN_VALUE;

  /** A log for failures described as {@code what}, e.g. "exporter failed". */
  public FailureLog(Logger logger, String what) {
    this(logger, what, System::nanoTime);
  }

  /** As {@link #FailureLog(Logger, String)}, with the clock given (tests). */
  public FailureLog(Logger logger, String what, LongSupplier nanoTime) {
    this.logger = logger;
    this.what = what;
    this.nanoTime = nanoTime;
  }

  /** Logs {@code error} with {@code detail}; the throwable is passed as an argument, never concatenated. */
  public void log(String detail, Throwable error) {
    try {
      long since = claimWarning();
      if (since >= 0) {
        if (since == 0) {
          logger.warn("{}: {} (at most one warning a minute, with counts; the others at DEBUG)", what, detail, error);
        } else {
          logger.warn("{}: {} ({} more since the last warning)", what, detail, since, error);
        }
      } else {
        suppressed.incrementAndGet();
        if (logger.isDebugEnabled()) {
          logger.debug("{}: {}", what, detail, error);
        }
      }
    } catch (RuntimeException | LinkageError loggingFailed) {
      // A broken logging backend must not break the traced application either.
    }
  }

  /**
   * Logs at WARN how many failures happened since the last warning, if there were any and a minute has passed: for
   * a periodic task, so that a burst of failures that then stops is still reported.
   */
  public void report() {
    try {
      if (suppressed.get() == 0) {
        return;
      }
      long since = claimWarning();
      if (since > 0) {
        logger.warn("{}: {} more since the last warning", what, since);
      } else if (since == 0) {
        nextWarning.set(nanoTime.getAsLong()); // nothing to say after all: give the slot back
      }
    } catch (RuntimeException | LinkageError loggingFailed) {
      // as above
    }
  }

  /** Failures since the last warning. */
  public long suppressed() {
    return suppressed.get();
  }

  /**
   * Takes the right to warn now, if the interval allows: returns how many failures were suppressed since the last
   * warning (and resets that count), or -1 when it is too early.
   */
  private long claimWarning() {
    long now = nanoTime.getAsLong();
    long next = nextWarning.get();
    if ((next == NEVER_WARNED || now - next >= 0) && nextWarning.compareAndSet(next, now + INTERVAL_NANOS)) {
      return suppressed.getAndSet(0);
    }
    return -1;
  }
}
