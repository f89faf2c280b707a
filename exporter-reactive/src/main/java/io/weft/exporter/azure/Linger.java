package io.weft.exporter.azure;

/**
 * The batching window: a full batch goes at once; a partial one waits until {@code linger} has passed since the
 * worker first saw it waiting, unless a flush wants it now. Pure bookkeeping over a given clock reading.
 *
 * <p>Worker-confined: not thread-safe, by design.
 */
final class Linger {
  private final long lingerNanos;
  private final int fullBatch;
  private long deadline = -1;

  Linger(long lingerNanos, int fullBatch) {
    this.lingerNanos = lingerNanos;
    this.fullBatch = fullBatch;
  }

  /**
   * How long the {@code queued} spans should still wait at {@code now}: 0 when a batch should go now (then the
   * window starts afresh with the next one).
   */
  long wait(int queued, boolean flushing, long now) {
    if (queued >= fullBatch || flushing) {
      deadline = -1;
      return 0;
    }
    if (deadline < 0) {
      deadline = now + lingerNanos;
    }
    long left = deadline - now;
    if (left > 0) {
      return left;
    }
    deadline = -1;
    return 0;
  }
}
