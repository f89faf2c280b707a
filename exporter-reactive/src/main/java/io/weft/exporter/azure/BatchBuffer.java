package io.weft.exporter.azure;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * A growable byte buffer that a batch's envelopes are written into (one JSON generator per batch; the batch holds
 * offsets into it). Reused across batches once a batch is done. Confined to one thread at a time: not thread-safe,
 * by design.
 */
final class BatchBuffer extends OutputStream {
  private byte[] bytes;
  private int size;

  BatchBuffer(int initialCapacity) {
    this.bytes = new byte[initialCapacity];
  }

  @Override
  public void write(int b) {
    ensure(1);
    bytes[size++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, bytes, size, len);
    size += len;
  }

  private void ensure(int more) {
    if (size + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
    }
  }

  int size() {
    return size;
  }

  /** The bytes written so far (the array may be longer than {@link #size()}). */
  byte[] array() {
    return bytes;
  }

  void reset() {
    size = 0;
  }

  /** Forgets everything written after {@code newSize} (used to drop a span whose encoding failed midway). */
  void truncate(int newSize) {
    size = newSize;
  }
}
