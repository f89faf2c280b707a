package io.weft.exporter.azure;

import java.util.ArrayList;
import java.util.List;

/**
 * The send slots: at most {@code maxInFlight} batches are sent or wait to be sent again, holding at most {@code
 * maxBytes} uncompressed bytes (checked before a batch is added, so one batch may go over). A batch waiting for
 * its retry keeps its slot: that is what bounds memory while the endpoint is down. One slot may be reserved for a
 * file being read back.
 *
 * <p>Worker-confined: not thread-safe, by design.
 */
final class SendSlots {
  private final int maxInFlight;
  private final long maxBytes;
  private final List<Batch> batches = new ArrayList<>();
  private long bytes;
  private int fromDisk;
  private boolean reserved;

  SendSlots(int maxInFlight, long maxBytes) {
    this.maxInFlight = maxInFlight;
    this.maxBytes = maxBytes;
  }

  /** Whether another batch may take a slot now. */
  boolean free() {
    return batches.size() + (reserved ? 1 : 0) < maxInFlight && bytes < maxBytes;
  }

  /** Keeps a slot for a batch being read back from disk (or gives it back). */
  void reserve(boolean reserve) {
    this.reserved = reserve;
  }

  boolean reserved() {
    return reserved;
  }

  void take(Batch batch) {
    batches.add(batch);
    batch.charged = batch.bytes();
    bytes += batch.charged;
    if (batch.fromDisk) {
      fromDisk++;
    }
  }

  /** {@code batch} shrank (a partial success): its charge follows. */
  void recharge(Batch batch) {
    bytes += batch.bytes() - batch.charged;
    batch.charged = batch.bytes();
  }

  /** Frees {@code batch}'s slot; false when it held none. */
  boolean release(Batch batch) {
    if (!batches.remove(batch)) {
      return false;
    }
    bytes -= batch.charged;
    if (batch.fromDisk) {
      fromDisk--;
    }
    return true;
  }

  boolean holds(Batch batch) {
    return batches.contains(batch);
  }

  boolean isEmpty() {
    return batches.isEmpty();
  }

  /** Batches read back from disk in a slot now. */
  int fromDisk() {
    return fromDisk;
  }

  /** The batches in the slots now (a copy). */
  List<Batch> batches() {
    return new ArrayList<>(batches);
  }
}
