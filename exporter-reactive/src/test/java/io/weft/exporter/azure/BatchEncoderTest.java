package io.weft.exporter.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import io.weft.core.Tracer;
import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import io.weft.core.instrumentation.FailureLog;
import io.weft.exporter.azure.ExporterMetrics.DropReason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class BatchEncoderTest {
  final InMemorySpanExporter recorder = InMemorySpanExporter.create();
  final Tracer tracer = Tracer.builder().serviceName("svc").exporter(recorder).build();
  final SpanQueue queue = new SpanQueue(1_000);
  final ExporterMetrics metrics = new ExporterMetrics(queue::handedOver);
  final FailureLog log = new FailureLog(LoggerFactory.getLogger(BatchEncoderTest.class), "test");

  /** Writes each span as {@code {"n":"<name>"}}; twice for names starting with "two"; throws for "boom". */
  final SpanEncoder names = new SpanEncoder() {
    @Override
    public int envelopes(SpanData span) {
      return span.name().startsWith("two") ? 2 : 1;
    }

    @Override
    public void write(SpanData span, int index, JsonGenerator out) throws IOException {
      out.writeStartObject();
      if (span.name().equals("boom")) {
        throw new IllegalStateException("the application's toString threw");
      }
      out.writeStringField("n", span.name().equals("big") ? "x".repeat(70_000) : span.name());
      out.writeEndObject();
    }
  };

  void offer(String... names) {
    for (String name : names) {
      tracer.spanBuilder(name).start().end();
      queue.offer(recorder.spans().get(recorder.spans().size() - 1));
    }
  }

  static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Test
  void stopsAtTheSpanCount() {
    offer("a", "two", "b", "c");
    Batch batch = new BatchEncoder(names, metrics, log, 3, 1 << 20).next(queue, new BatchBuffer(16));
    assertThat(batch.texts())
        .containsExactly("{\"n\":\"a\"}", "{\"n\":\"two\"}", "{\"n\":\"two\"}", "{\"n\":\"b\"}");
    assertThat(batch.spans()).isEqualTo(3);
    assertThat(batch.spanOf(2)).isEqualTo(1);
    assertThat(queue.size()).isEqualTo(1);
  }

  @Test
  void stopsOnceTheBytesAreReached() {
    offer("a", "b", "c");
    Batch batch = new BatchEncoder(names, metrics, log, 100, 11).next(queue, new BatchBuffer(16));
    assertThat(batch.size()).as("checked before each span: one over").isEqualTo(2);
    assertThat(queue.size()).isEqualTo(1);
  }

  @Test
  void aSpanThatThrowsIsDroppedAloneAndTheBatchGoesOn() {
    offer("a", "boom", "b");
    Batch batch = new BatchEncoder(names, metrics, log, 100, 1 << 20).next(queue, new BatchBuffer(16));
    assertThat(batch.texts())
        .containsExactly("{\"n\":\"a\"}", "{\"n\":\"b\"}");
    assertThat(batch.spanTable()).containsExactly(0, 1);
    assertThat(metrics.dropped(DropReason.ENCODING_FAILED)).isEqualTo(1);
  }

  @Test
  void aSpanOverTheItemLimitIsDroppedAsTooLarge() {
    offer("a", "big", "b");
    Batch batch = new BatchEncoder(names, metrics, log, 100, 1 << 20).next(queue, new BatchBuffer(16));
    assertThat(batch.texts())
        .containsExactly("{\"n\":\"a\"}", "{\"n\":\"b\"}");
    assertThat(metrics.dropped(DropReason.TOO_LARGE)).isEqualTo(1);
  }

  @Test
  void nothingQueuedIsNoBatch() {
    assertThat(new BatchEncoder(names, metrics, log, 100, 1 << 20).next(queue, new BatchBuffer(16))).isNull();
  }
}
