package io.weft.exporter.azure;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Envelopes that travel together, and the spans they came from: what one request carries, what a retry resends,
 * what one spill file holds. Its envelopes are always exactly the unresolved envelopes of its unresolved spans: an
 * accepted envelope, or every envelope of a dropped span, leaves it at the next {@link #retainUnresolved}.
 *
 * <p>Envelope {@code i} is {@code data[offset(i), offset(i) + length(i))}, one JSON document without a newline; it
 * belongs to span {@link #spanOf(int)}, an index into this batch's own span table (a span with a recorded exception
 * has two envelopes). No object per span or per envelope: a batch is a handful of arrays.
 *
 * <p>Worker-confined: not thread-safe, by design. {@link #writeTo} and the byte accessors may run elsewhere (gzip on
 * a parallel thread, disk on bounded-elastic) while the worker leaves the batch alone; the hand-off through a
 * scheduler orders the two.
 */
final class Batch {
  private static final byte[] NEWLINE = {'\n'};
  private static final int RESOLVED = -1;

  private final byte[] data;
  private int[] offsets;
  private int[] lengths;
  private int[] spanOf;
  private int count;
  // Per span of the table: its envelopes not yet accepted, or RESOLVED (delivered or dropped).
  private final int[] remaining;
  private int unresolvedSpans;
  private long bytes;

  /** Read back from a spill file this exporter did not write: counted apart ({@code recovered…} counters). */
  final boolean recovered;
  /** The buffer {@link #data} lives in, to recycle when the batch is done; null for a batch read from disk. */
  @Nullable BatchBuffer buffer;
  /** The gzip body of the current envelopes, kept for resends and for the disk; null once they change. */
  volatile byte @Nullable [] body;
  /** Failed sends so far. */
  int attempts;
  /** Redirects followed so far. */
  int redirects;
  /** Where this batch goes when not to the exporter's current endpoint (a redirect it is following). */
  @Nullable URI target;
  /** Its spill file, held by this process, or null. */
  SpillStore.@Nullable Lease lease;
  /** Whether {@link #lease}'s file holds exactly the current envelopes. */
  boolean leaseCurrent;
  /** Whether its spans were counted as persisted already (once per span, however often it is written). */
  boolean persistedCounted;
  /** Whether a disk write of it is in progress (the worker leaves it alone until the write's callback). */
  boolean writing;
  /** The bytes it holds against the in-flight budget, while it holds a send slot. */
  long charged;
  /** Read back from a spill file (this exporter's or another's). */
  boolean fromDisk;

  /**
   * A batch of {@code count} envelopes over {@code data}; {@code spanOf} numbers the spans from 0, each span's
   * envelopes adjacent. The arrays are taken, not copied.
   */
  Batch(byte[] data, int[] offsets, int[] lengths, int[] spanOf, int count, boolean recovered) {
    this.data = data;
    this.offsets = offsets;
    this.lengths = lengths;
    this.spanOf = spanOf;
    this.count = count;
    this.recovered = recovered;
    int spans = count == 0 ? 0 : spanOf[count - 1] + 1;
    this.remaining = new int[spans];
    for (int i = 0; i < count; i++) {
      remaining[spanOf[i]]++;
      bytes += lengths[i] + 1;
    }
    this.unresolvedSpans = spans;
  }

  /** Envelopes in the batch. */
  int size() {
    return count;
  }

  /** Uncompressed bytes of the envelopes, a newline each: what the batch weighs in memory and on the wire. */
  long bytes() {
    return bytes;
  }

  /** Spans not yet delivered or dropped. */
  int unresolvedSpans() {
    return unresolvedSpans;
  }

  /** Spans in the batch's table (resolved or not). */
  int spans() {
    return remaining.length;
  }

  int spanOf(int envelope) {
    return spanOf[envelope];
  }

  byte[] data() {
    return data;
  }

  int offset(int envelope) {
    return offsets[envelope];
  }

  int length(int envelope) {
    return lengths[envelope];
  }

  /** Whether the span of {@code envelope} is resolved already. */
  boolean resolved(int envelope) {
    return remaining[spanOf[envelope]] == RESOLVED;
  }

  /** Envelope {@code envelope} was accepted: returns true when that completes its span (count it delivered). */
  boolean accept(int envelope) {
    int span = spanOf[envelope];
    if (remaining[span] > 0 && --remaining[span] == 0) {
      remaining[span] = RESOLVED;
      unresolvedSpans--;
      return true;
    }
    return false;
  }

  /** The span of {@code envelope} is dropped: returns true when it was unresolved (count it dropped, once). */
  boolean drop(int envelope) {
    int span = spanOf[envelope];
    if (remaining[span] != RESOLVED) {
      remaining[span] = RESOLVED;
      unresolvedSpans--;
      return true;
    }
    return false;
  }

  /**
   * Keeps only the envelopes marked in {@code again} whose span is unresolved (those to resend); the cached body
   * and the file copy no longer match them.
   */
  void retainUnresolved(boolean[] again) {
    int kept = 0;
    long keptBytes = 0;
    for (int i = 0; i < count; i++) {
      if (again[i] && remaining[spanOf[i]] != RESOLVED) {
        offsets[kept] = offsets[i];
        lengths[kept] = lengths[i];
        spanOf[kept] = spanOf[i];
        keptBytes += lengths[i] + 1;
        kept++;
      }
    }
    if (kept != count) {
      count = kept;
      bytes = keptBytes;
      body = null;
      leaseCurrent = false;
    }
  }

  /** Writes the envelopes, newline-separated, into {@code gzip} (one call when they lie in one run). */
  void writeTo(Gzip gzip) {
    if (count == 0) {
      return;
    }
    if (contiguous()) {
      gzip.add(data, offsets[0], offsets[count - 1] + lengths[count - 1] - offsets[0]);
      return;
    }
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        gzip.add(NEWLINE, 0, 1);
      }
      gzip.add(data, offsets[i], lengths[i]);
    }
  }

  /** The span of each envelope, renumbered from 0 in order: a spill file's span table. */
  int[] spanTable() {
    int[] table = new int[count];
    int next = -1;
    int last = -1;
    for (int i = 0; i < count; i++) {
      if (spanOf[i] != last) {
        last = spanOf[i];
        next++;
      }
      table[i] = next;
    }
    return table;
  }

  /** Whether every envelope directly follows the previous one and its newline (a batch as encoded). */
  private boolean contiguous() {
    for (int i = 1; i < count; i++) {
      if (offsets[i] != offsets[i - 1] + lengths[i - 1] + 1) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "Batch{" + count + " envelopes, " + unresolvedSpans + " spans unresolved, " + bytes + " B, attempts "
        + attempts + (recovered ? ", recovered" : "") + (lease != null ? ", on disk" : "") + "}";
  }

  /** For tests: the envelopes as text. */
  List<String> texts() {
    List<String> all = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      all.add(new String(data, offsets[i], lengths[i], StandardCharsets.UTF_8));
    }
    return all;
  }
}
