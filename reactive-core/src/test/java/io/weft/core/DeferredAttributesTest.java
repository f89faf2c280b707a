package io.weft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import io.weft.core.sampler.Sampler;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Attributes a span works out only when they are read: once, never for an unsampled span, the span's own winning. */
class DeferredAttributesTest {
  final InMemorySpanExporter exported = InMemorySpanExporter.create();
  final Tracer tracer = Tracer.builder().serviceName("svc").exporter(exported).build();
  final AtomicInteger evaluations = new AtomicInteger();

  AttributeSource source() {
    return sink -> {
      evaluations.incrementAndGet();
      sink.put("url.full", "http://example.com/orders?token=REDACTED");
      sink.put("server.port", 443);
      sink.put("http.route", null);
      sink.put("http.response.status_code", 999);
    };
  }

  @Test
  void theSourceRunsOnceWhenTheAttributesAreFirstReadAndTheSpansOwnAttributesWin() {
    Span span = tracer.spanBuilder("GET /orders").attributes(source()).start();
    span.setAttribute("http.response.status_code", 200L);
    span.end();
    assertThat(evaluations).as("nothing computed until read").hasValue(0);

    SpanData data = exported.spans().get(0);
    assertThat(data.attributes().asMap()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
        "http.response.status_code", 200L,
        "url.full", "http://example.com/orders?token=REDACTED",
        "server.port", 443L));
    assertThat(data.attributes().size()).isEqualTo(3);
    assertThat(evaluations).hasValue(1);
  }

  @Test
  void everySpanOfAnOperatorGetsTheSourcesAttributes() {
    java.util.function.Function<reactor.core.publisher.Mono<Integer>, reactor.core.publisher.Mono<Integer>> traced =
        tracer.spanBuilder("query").attributes(source()).mono();
    reactor.core.publisher.Mono.just(1).transform(traced).block(java.time.Duration.ofSeconds(5));
    reactor.core.publisher.Mono.just(2).transform(traced).block(java.time.Duration.ofSeconds(5));
    assertThat(exported.spans()).hasSize(2).allSatisfy(data ->
        assertThat(data.attributes().get("url.full")).isEqualTo("http://example.com/orders?token=REDACTED"));
    assertThat(evaluations).hasValue(2);
  }

  @Test
  void anUnsampledSpanNeverRunsItsSource() {
    Tracer off = Tracer.builder().serviceName("svc").sampler(Sampler.alwaysOff()).exporter(exported).build();
    Span span = off.spanBuilder("GET /orders").attributes(source()).start();
    span.end();
    assertThat(span.isRecording()).isFalse();
    assertThat(evaluations).hasValue(0);
    assertThat(exported.spans()).isEmpty();
  }

  @Test
  void aSourceThatThrowsKeepsWhatItAddedAndIsCounted() {
    Span span = tracer.spanBuilder("op").attributes(sink -> {
      sink.put("a", "kept");
      throw new IllegalStateException("bug in an integration");
    }).start();
    span.end();

    assertThat(exported.spans().get(0).attributes().asMap()).containsOnlyKeys("a");
    assertThat(tracer.stats().internalFailures()).isEqualTo(1);
  }

  @Test
  void theSpansLimitsApplyToTheSource() {
    Span span = tracer.spanBuilder("op").attributes(sink -> {
      for (int i = 0; i < SpanLimits.MAX_ATTRIBUTES + 5; i++) {
        sink.put("k" + i, "x".repeat(SpanLimits.MAX_VALUE_LENGTH + 10));
      }
    }).start();
    span.end();

    SpanData data = exported.spans().get(0);
    assertThat(data.attributes().size()).isEqualTo(SpanLimits.MAX_ATTRIBUTES);
    assertThat(data.droppedAttributesCount()).isEqualTo(5);
    assertThat((String) data.attributes().value(0)).hasSize(SpanLimits.MAX_VALUE_LENGTH);
  }
}
