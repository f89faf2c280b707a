package io.weft.exporter.azure;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.Tracer;
import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import org.junit.jupiter.api.Test;

class SpanQueueTest {
  final InMemorySpanExporter recorder = InMemorySpanExporter.create();
  final Tracer tracer = Tracer.builder().serviceName("svc").exporter(recorder).build();

  SpanData span(String name) {
    tracer.spanBuilder(name).start().end();
    return recorder.spans().get(recorder.spans().size() - 1);
  }

  @Test
  void offer_dropsWhenQueueFull() {
    SpanQueue queue = new SpanQueue(2);
    assertThat(queue.offer(span("a"))).isEqualTo(1);
    assertThat(queue.offer(span("b"))).isEqualTo(2);
    assertThat(queue.offer(span("c"))).isEqualTo(-1);
    assertThat(queue.size()).isEqualTo(2);
    assertThat(queue.handedOver()).isEqualTo(3);
  }

  @Test
  void pollIsOldestFirstAndCounted() {
    SpanQueue queue = new SpanQueue(10);
    queue.offer(span("a"));
    queue.offer(span("b"));
    queue.refuse();
    assertThat(queue.poll().name()).isEqualTo("a");
    assertThat(queue.poll().name()).isEqualTo("b");
    assertThat(queue.poll()).isNull();
    assertThat(queue.size()).isZero();
    assertThat(queue.handedOver()).as("two taken, one refused").isEqualTo(3);
  }
}
