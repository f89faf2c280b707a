package io.weft.exporter.azure;

import java.util.ArrayDeque;

/**
 * Batch buffers for the next batches: a batch keeps its buffer until every envelope in it is resolved (for
 * retries) or on disk, so buffers come back only when their batch is done. At most {@code max} are kept.
 *
 * <p>Worker-confined: not thread-safe, by design.
 */
final class BufferPool {
  private final ArrayDeque<BatchBuffer> idle = new ArrayDeque<>();
  private final int max;
  private final int initialCapacity;
  private boolean closed;

  BufferPool(int max, int initialCapacity) {
    this.max = max;
    this.initialCapacity = initialCapacity;
  }

  BatchBuffer take() {
    BatchBuffer buffer = idle.poll();
    return buffer != null ? buffer : new BatchBuffer(initialCapacity);
  }

  void give(BatchBuffer buffer) {
    if (!closed && idle.size() < max) {
      idle.push(buffer);
    }
  }

  /** Gives back {@code batch}'s buffer, unless a disk write still reads it; forgets its body. */
  void giveBack(Batch batch) {
    batch.body = null;
    BatchBuffer buffer = batch.buffer;
    if (buffer != null && !batch.writing) {
      batch.buffer = null;
      give(buffer);
    }
  }

  void close() {
    closed = true;
    idle.clear();
  }
}
