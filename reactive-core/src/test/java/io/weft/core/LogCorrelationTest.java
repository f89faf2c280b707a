package io.weft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.sampler.Sampler;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** The MDC holds the current span's ids, in imperative scopes and inside Reactor operators, and nothing after. */
class LogCorrelationTest {
  final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  final Tracer tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();

  @BeforeEach
  void turnOn() {
    LogCorrelation.setEnabled(true);
  }

  @AfterEach
  void reset() {
    LogCorrelation.setEnabled(false); // the default: other tests keep the MDC untouched
    MDC.clear();
  }

  static List<String> ids() {
    return Arrays.asList(MDC.get(LogCorrelation.TRACE_ID), MDC.get(LogCorrelation.SPAN_ID));
  }

  static List<String> ids(Span span) {
    return List.of(span.context().traceId(), span.context().spanId());
  }

  @Test
  void scopesSetAndRestoreTheIds() {
    assertThat(LogCorrelation.isEnabled()).as("Logback has an MDC").isTrue();
    SpanScope outer = tracer.spanBuilder("outer").startScoped();
    Span outerSpan = Span.current();
    assertThat(ids()).isEqualTo(ids(outerSpan));
    try (SpanScope inner = tracer.spanBuilder("inner").startScoped()) {
      assertThat(ids()).isEqualTo(ids(Span.current())).isNotEqualTo(ids(outerSpan));
    }
    assertThat(ids()).as("the parent's ids again").isEqualTo(ids(outerSpan));
    outer.close();
    assertThat(ids()).as("nothing stale after the span ends").containsOnlyNulls();
    assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
  }

  @Test
  void anUnsampledSpanStillHasIdsAndOtherKeysAreLeftAlone() {
    Tracer unsampled = Tracer.builder().serviceName("svc").sampler(Sampler.alwaysOff()).exporter(exporter).build();
    MDC.put("user", "alice");
    try (SpanScope scope = unsampled.spanBuilder("quiet").startScoped()) {
      assertThat(ids()).isEqualTo(ids(Span.current())).doesNotContainNull();
    }
    assertThat(MDC.getCopyOfContextMap()).isEqualTo(Map.of("user", "alice"));
  }

  @Test
  void turnedOffItWritesNothingAndClearsWhatItWrote() {
    SpanScope scope = tracer.spanBuilder("a").startScoped();
    LogCorrelation.setEnabled(false);
    assertThat(ids()).containsOnlyNulls();
    try (SpanScope inner = tracer.spanBuilder("b").startScoped()) {
      assertThat(ids()).containsOnlyNulls();
    }
    scope.close();
    assertThat(ids()).containsOnlyNulls();
  }

  @Test
  void insideOperatorsOnOtherThreadsWithAutomaticPropagation() {
    Hooks.enableAutomaticContextPropagation();
    Scheduler single = Schedulers.newSingle("mdc");
    try {
      List<List<String>> seen = new CopyOnWriteArrayList<>();
      List<List<String>> after = new CopyOnWriteArrayList<>();
      Flux.range(0, 3)
          .publishOn(single)
          .doOnNext(v -> seen.add(ids()))
          .<Integer>handle((v, sink) -> {
            seen.add(ids());
            sink.next(v);
          })
          .then()
          .transform(tracer.mono("root"))
          .then(Mono.fromRunnable(() -> after.add(ids())).subscribeOn(single))
          .block(Duration.ofSeconds(5));
      String traceId = exporter.spans().get(exporter.size() - 1).traceId();
      String spanId = exporter.spans().get(exporter.size() - 1).spanId();
      assertThat(seen).hasSize(6).containsOnly(List.of(traceId, spanId));
      assertThat(after).as("the same thread after the span ended").containsExactly(Arrays.asList(null, null));
    } finally {
      Hooks.disableAutomaticContextPropagation();
      single.dispose();
    }
  }
}
