package io.weft.exporter.azure;

import com.fasterxml.jackson.core.JsonGenerator;
import io.weft.core.export.SpanData;
import java.util.List;

/**
 * Public access to the exporter's package-private seams, for tests and benchmarks in other packages (shipped in
 * this module's test-jar): an exporter over a fake sender, one whose downstream does no work at all, and the
 * encoding stages on their own.
 */
public final class ExporterFixtures {
  private ExporterFixtures() {}

  /** An exporter with {@code builder}'s settings that sends through {@code sender}. */
  public static AzureMonitorExporter withSender(AzureMonitorExporterBuilder builder, FakeSender sender) {
    return withSender(builder, sender, ExporterThreads.real());
  }

  /** As {@link #withSender(AzureMonitorExporterBuilder, FakeSender)}, on the given threads and clocks. */
  static AzureMonitorExporter withSender(AzureMonitorExporterBuilder builder, FakeSender sender,
      ExporterThreads threads) {
    ExporterSettings settings = builder.settings();
    return new AzureMonitorExporter(settings, sender,
        new EnvelopeMapper(settings.connectionString().instrumentationKey()), threads);
  }

  /**
   * An exporter whose pipeline runs as usual (queue, wake-ups, linger, batches, slots, accounting) while each span
   * encodes to an empty envelope and every request is accepted in memory: what handing a span over costs the
   * producer, with a downstream that keeps up with anything.
   */
  public static AzureMonitorExporter withNoopDownstream(AzureMonitorExporterBuilder builder) {
    ExporterSettings settings = builder.settings();
    FakeSender sender = FakeSender.accepting().withoutRecording()
        .withResponder(request -> FakeSender.acceptBlindly());
    return new AzureMonitorExporter(settings, sender, new SpanEncoder() {
      @Override
      public int envelopes(SpanData span) {
        return 1;
      }

      @Override
      public void write(SpanData span, int index, JsonGenerator out) {
        // nothing: an empty envelope
      }
    }, ExporterThreads.real());
  }

  /**
   * The exporter's CPU work on a batch, without threads or HTTP: mapping + JSON of {@code spans} into one buffer,
   * and gzip of that batch. Not thread-safe: one per thread.
   */
  public static final class EncodeStages {
    private final List<SpanData> spans;
    private final SpanQueue queue;
    private final BatchEncoder encoder;
    private final BatchBuffer buffer;
    private final Gzip gzip;
    private final Batch encoded;

    /** The stages for {@code spans}, with the default limits and gzip level {@code gzipLevel}. */
    public EncodeStages(List<SpanData> spans, int gzipLevel) {
      this.spans = List.copyOf(spans);
      this.queue = new SpanQueue(spans.size());
      ExporterMetrics metrics = new ExporterMetrics(queue::handedOver);
      this.encoder = new BatchEncoder(new EnvelopeMapper("00000000-0000-0000-0000-000000000000"), metrics,
          new io.weft.core.instrumentation.FailureLog(org.slf4j.LoggerFactory.getLogger(ExporterFixtures.class),
              "fixture"), spans.size(), Long.MAX_VALUE);
      this.buffer = new BatchBuffer(spans.size() * 800);
      this.gzip = new Gzip(gzipLevel);
      this.encoded = java.util.Objects.requireNonNull(encode(new BatchBuffer(spans.size() * 800)));
    }

    /** Maps and encodes every span into the buffer; returns the bytes written. */
    public int encode() {
      Batch batch = encode(buffer);
      return batch == null ? 0 : (int) batch.bytes();
    }

    private Batch encode(BatchBuffer into) {
      for (SpanData span : spans) {
        queue.offer(span);
      }
      return encoder.next(queue, into);
    }

    /** Compresses the encoded batch; returns the body's size. */
    public int gzip() {
      return gzip.compress(encoded).length;
    }

    /** Frees the deflater. */
    public void close() {
      gzip.end();
    }
  }
}
