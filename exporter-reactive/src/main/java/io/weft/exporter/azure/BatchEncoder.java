package io.weft.exporter.azure;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import io.weft.core.export.SpanData;
import io.weft.core.instrumentation.FailureLog;
import io.weft.exporter.azure.ExporterMetrics.DropReason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;
import reactor.core.Exceptions;

/**
 * The encoder stage: takes spans off the queue and writes their envelopes, newline-separated, into one batch
 * buffer, until the batch has {@code maxSpans} spans or {@code maxBytes} bytes (checked before each span, so a
 * batch may exceed the byte limit by one span). A span whose data throws while it is written is dropped as {@code
 * ENCODING_FAILED}; a span with an envelope over the service's 64 KB item limit as {@code TOO_LARGE}; the batch
 * goes on without them.
 *
 * <p>Worker-confined: not thread-safe, by design.
 */
final class BatchEncoder {
  /** The service's limit per item, in bytes. */
  static final int MAX_ITEM_BYTES = 64 * 1024;
  // No root-value separator: the encoder writes exactly one '\n' after each envelope itself.
  private static final JsonFactory JSON = new JsonFactoryBuilder()
      .rootValueSeparator((SerializableString) null).build();

  private final SpanEncoder encoder;
  private final ExporterMetrics metrics;
  private final FailureLog log;
  private final int maxSpans;
  private final long maxBytes;

  BatchEncoder(SpanEncoder encoder, ExporterMetrics metrics, FailureLog log, int maxSpans, long maxBytes) {
    this.encoder = encoder;
    this.metrics = metrics;
    this.log = log;
    this.maxSpans = maxSpans;
    this.maxBytes = maxBytes;
  }

  /** The next batch from {@code queue}, written into {@code buffer} (reset first), or null if nothing was taken. */
  @Nullable Batch next(SpanQueue queue, BatchBuffer buffer) {
    buffer.reset();
    int capacity = Math.min(maxSpans, Math.max(1, queue.size())) + 4;
    int[] offsets = new int[capacity];
    int[] lengths = new int[capacity];
    int[] spanOf = new int[capacity];
    int count = 0;
    int spans = 0;
    JsonGenerator out = generator(buffer);
    for (int taken = 0; taken < maxSpans && buffer.size() < maxBytes; taken++) {
      SpanData span = queue.poll();
      if (span == null) {
        break;
      }
      int start = buffer.size();
      int first = count;
      boolean tooLarge = false;
      try {
        int envelopes = encoder.envelopes(span);
        for (int e = 0; e < envelopes; e++) {
          int at = buffer.size();
          encoder.write(span, e, out);
          out.flush();
          int length = buffer.size() - at;
          buffer.write('\n');
          tooLarge |= length > MAX_ITEM_BYTES;
          if (count == offsets.length) {
            offsets = Arrays.copyOf(offsets, count * 2);
            lengths = Arrays.copyOf(lengths, count * 2);
            spanOf = Arrays.copyOf(spanOf, count * 2);
          }
          offsets[count] = at;
          lengths[count] = length;
          spanOf[count] = spans;
          count++;
        }
      } catch (Throwable error) { // the span's data is the application's: whatever it throws drops this span only
        Exceptions.throwIfFatal(error);
        metrics.recordDropped(DropReason.ENCODING_FAILED, 1);
        log.log("cannot encode span " + safeName(span) + "; dropped", error);
        buffer.truncate(start);
        count = first;
        out = generator(buffer); // it may hold half a document
        continue;
      }
      if (tooLarge) {
        metrics.recordDropped(DropReason.TOO_LARGE, 1);
        log.log("span " + safeName(span) + " makes an item over 64 KB; dropped", new IllegalArgumentException(
            "item over " + MAX_ITEM_BYTES + " bytes"));
        buffer.truncate(start);
        count = first;
        continue;
      }
      spans++;
    }
    if (count == 0) {
      return null;
    }
    Batch batch = new Batch(buffer.array(), offsets, lengths, spanOf, count, false);
    batch.buffer = buffer;
    return batch;
  }

  private static JsonGenerator generator(BatchBuffer buffer) {
    try {
      return JSON.createGenerator(buffer, JsonEncoding.UTF8);
    } catch (IOException e) {
      throw new UncheckedIOException("an in-memory generator cannot fail to open", e);
    }
  }

  private static String safeName(SpanData span) {
    try {
      String name = span.name();
      return name.length() <= 100 ? name : name.substring(0, 100) + "…";
    } catch (RuntimeException e) {
      return "(name unreadable)";
    }
  }
}
