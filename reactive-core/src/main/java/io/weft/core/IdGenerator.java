package io.weft.core;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Makes trace and span ids. Implementations must be thread-safe, must not block, and must never return an
 * all-zero span id or an all-zero trace id (both halves zero).
 */
public interface IdGenerator {

  /** A non-zero span id. */
  long newSpanId();

  /** The high half of a new trace id. */
  long newTraceIdHigh();

  /** The low half of a new trace id; non-zero, so that a trace id is never all zero. */
  long newTraceIdLow();

  /**
   * Random ids from {@link ThreadLocalRandom}: no contention and no {@code SecureRandom} on the hot path. Ids
   * correlate telemetry; they are not secrets.
   */
  static IdGenerator random() {
    return RandomIdGenerator.INSTANCE;
  }

  /** The default implementation. */
  enum RandomIdGenerator implements IdGenerator {
    INSTANCE;

    @Override
    public long newSpanId() {
      long id;
      do {
        id = ThreadLocalRandom.current().nextLong();
      } while (id == 0);
      return id;
    }

    @Override
    public long newTraceIdHigh() {
      return ThreadLocalRandom.current().nextLong();
    }

    @Override
    public long newTraceIdLow() {
      return newSpanId();
    }
  }
}
