package io.weft.exporter.azure;

import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.jspecify.annotations.Nullable;

/**
 * A reusable gzip (RFC 1952) writer around one {@link Deflater} and one {@link CRC32}: the 10-byte header and the
 * 8-byte trailer are written by hand, so compressing a batch allocates only its result. Confined to one thread at
 * a time; {@link Pool} hands instances to the threads that compress (parallel for sends, bounded-elastic for the
 * disk).
 */
final class Gzip {
  private static final byte[] HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};

  private final Deflater deflater;
  private final CRC32 crc = new CRC32();
  private final BatchBuffer out = new BatchBuffer(64 * 1024);
  private final byte[] chunk = new byte[16 * 1024];
  private long inputBytes;

  Gzip(int level) {
    this.deflater = new Deflater(level, true);
  }

  /** The gzip body of {@code batch}'s envelopes, newline-separated. */
  byte[] compress(Batch batch) {
    start();
    batch.writeTo(this);
    return finish();
  }

  void start() {
    deflater.reset();
    crc.reset();
    out.reset();
    inputBytes = 0;
    out.write(HEADER, 0, HEADER.length);
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

  /** Finishes the stream and returns an exact-size copy (it outlives this writer's next use). */
  byte[] finish() {
    deflater.finish();
    while (!deflater.finished()) {
      int n = deflater.deflate(chunk, 0, chunk.length, Deflater.NO_FLUSH);
      out.write(chunk, 0, n);
    }
    int crcValue = (int) crc.getValue();
    int length = (int) inputBytes;
    for (int shift = 0; shift < 32; shift += 8) {
      out.write((crcValue >>> shift) & 0xff);
    }
    for (int shift = 0; shift < 32; shift += 8) {
      out.write((length >>> shift) & 0xff);
    }
    return Arrays.copyOf(out.array(), out.size());
  }

  /** Frees the native deflater. */
  void end() {
    deflater.end();
  }

  /**
   * Writers for whichever thread compresses next: at most {@code max} are kept idle; a writer taken when none is
   * idle is created, and one given back to a full pool is ended. Thread-safe, lock-free.
   */
  static final class Pool {
    private final ConcurrentLinkedQueue<Gzip> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private final int level;
    private final int max;
    private volatile boolean closed;

    Pool(int level, int max) {
      this.level = level;
      this.max = max;
    }

    Gzip take() {
      Gzip gzip = idle.poll();
      if (gzip == null) {
        return new Gzip(level);
      }
      idleCount.decrementAndGet();
      return gzip;
    }

    void give(@Nullable Gzip gzip) {
      if (gzip == null) {
        return;
      }
      if (closed || idleCount.incrementAndGet() > max) {
        if (!closed) {
          idleCount.decrementAndGet();
        }
        gzip.end();
        return;
      }
      idle.offer(gzip);
      if (closed && idle.remove(gzip)) { // closed meanwhile: nobody will end it otherwise
        gzip.end();
      }
    }

    /** The gzip body of {@code batch}, with a pooled writer. */
    byte[] compress(Batch batch) {
      Gzip gzip = take();
      try {
        return gzip.compress(batch);
      } finally {
        give(gzip);
      }
    }

    /** Ends every idle writer; writers given back later are ended too. */
    void close() {
      closed = true;
      Gzip gzip;
      while ((gzip = idle.poll()) != null) {
        gzip.end();
      }
    }
  }
}
