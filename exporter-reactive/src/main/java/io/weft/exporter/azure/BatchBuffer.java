package io.weft.exporter.azure;

import java.io.OutputStream;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A growable byte buffer the batch's envelopes are written into (one JSON generator per batch, entries hold
 * offsets), and the gzip framing around one reused {@link Deflater}. Confined to the exporter's worker: not
 * thread-safe, by design.
 */
final class BatchBuffer extends OutputStream {
  private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};

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

  /** Reusable gzip (RFC 1952) around one Deflater and CRC32; confined to one thread. */
  static final class Gzip {
    private final Deflater deflater;
    private final CRC32 crc = new CRC32();
    private final BatchBuffer out = new BatchBuffer(64 * 1024);
    private final byte[] chunk = new byte[16 * 1024];
    private long inputBytes;

    Gzip(int level) {
      this.deflater = new Deflater(level, true);
    }

    void start() {
      deflater.reset();
      crc.reset();
      out.reset();
      inputBytes = 0;
      out.write(GZIP_HEADER, 0, GZIP_HEADER.length);
    }

    void add(byte[] data, int off, int len) {
      crc.update(data, off, len);
      inputBytes += len;
      deflater.setInput(data, off, len);
      while (!deflater.needsInput()) {
        int n = deflater.deflate(chunk, 0, chunk.length, Deflater.NO_FLUSH);
        out.write(chunk, 0, n);
      }
    }

    /** Finishes the stream and returns an exact-size copy (it is sent while the next batch is encoded). */
    byte[] finish() {
      deflater.finish();
      while (!deflater.finished()) {
        int n = deflater.deflate(chunk, 0, chunk.length, Deflater.NO_FLUSH);
        out.write(chunk, 0, n);
      }
      int crcValue = (int) crc.getValue();
      int length = (int) inputBytes;
      out.write(crcValue & 0xff);
      out.write((crcValue >>> 8) & 0xff);
      out.write((crcValue >>> 16) & 0xff);
      out.write((crcValue >>> 24) & 0xff);
      out.write(length & 0xff);
      out.write((length >>> 8) & 0xff);
      out.write((length >>> 16) & 0xff);
      out.write((length >>> 24) & 0xff);
      return Arrays.copyOf(out.array(), out.size());
    }

    void end() {
      deflater.end();
    }
  }
}
