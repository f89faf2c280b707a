package io.weft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.context.ContextRegistry;
import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** With Reactor's automatic context propagation on, the thread-local current span follows the Reactor context. */
class AutomaticContextPropagationTest {
  static final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  static final Tracer tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();
  static Scheduler single;

  @BeforeAll
  static void enable() {
    Hooks.enableAutomaticContextPropagation();
    single = Schedulers.newSingle("auto-propagation");
  }

  @AfterAll
  static void disable() {
    Hooks.disableAutomaticContextPropagation();
    single.dispose();
  }

  @Test
  void accessorIsRegisteredThroughServiceLoader() {
    assertThat(ContextRegistry.getInstance().getThreadLocalAccessors())
        .anySatisfy(accessor -> assertThat(accessor).isInstanceOf(SpanThreadLocalAccessor.class));
  }

  @Test
  void threadLocalSpanIsRightInsideMapHandleAndDoOnNext() {
    List<SpanContext> seen = new CopyOnWriteArrayList<>();
    Mono<Integer> pipeline = Mono.just(1)
        .publishOn(single)
        .map(v -> {
          seen.add(Span.current().context());
          return v;
        })
        .<Integer>handle((v, sink) -> {
          seen.add(Span.current().context());
          sink.next(v);
        })
        .doOnNext(v -> seen.add(Span.current().context()))
        .transform(tracer.mono("root"));
    pipeline.block(Duration.ofSeconds(5));
    SpanContext root = exporter.spans().get(exporter.size() - 1).spanContext();
    assertThat(seen).hasSize(3).containsOnly(root);
  }

  @Test
  void imperativeSpansInsideOperatorsGetTheRightParent() {
    exporter.reset();
    Flux.range(0, 4)
        .publishOn(single)
        .map(i -> {
          try (SpanScope scope = tracer.spanBuilder("imperative").startScoped()) {
            return i;
          }
        })
        .then()
        .transform(tracer.mono("root"))
        .block(Duration.ofSeconds(5));
    String rootId = exporter.spans().get(exporter.size() - 1).spanId();
    assertThat(exporter.spans().subList(0, 4))
        .allSatisfy(s -> assertThat(s.parentSpanId()).isEqualTo(rootId));
  }

  @Test
  void spanOperatorsReportThemselvesAsReactorInternalSoReactorDoesNotWrapThem() {
    assertThat(ReactorInternals.INTERNAL_PRODUCER).as("Reactor's InternalProducerAttr was found").isNotNull();
    Mono<Integer> traced = Mono.just(1).transform(tracer.mono("x"));
    @SuppressWarnings("unchecked")
    reactor.core.Scannable.Attr<Boolean> internal = (reactor.core.Scannable.Attr<Boolean>) ReactorInternals.INTERNAL_PRODUCER;
    assertThat(reactor.core.Scannable.from(traced).scanOrDefault(internal, false)).isTrue();
    assertThat(reactor.core.Scannable.from(Flux.just(1).transform(tracer.flux("y"))).scanOrDefault(internal, false))
        .isTrue();
  }

  @Test
  void threadLocalIsRestoredAfterwardsNoLeakToTheNextTask() {
    Mono.just(1).publishOn(single).map(v -> v).transform(tracer.mono("leaky?")).block(Duration.ofSeconds(5));
    Span after = Mono.fromCallable(Span::current).subscribeOn(single).block(Duration.ofSeconds(5));
    assertThat(after).isSameAs(Span.invalid());
  }

  @Test
  void gh16_aTimeoutFallbackWasParentedByTheCancelledSpanItReplaced() {
    exporter.reset();
    Mono.<Integer>never()
        .transform(tracer.mono("loser"))
        .timeout(Duration.ofMillis(10), Mono.fromCallable(() -> {
          try (SpanScope scope = tracer.spanBuilder("imperative").startScoped()) {
            return 1;
          }
        }))
        .transform(tracer.mono("parent"))
        .block(Duration.ofSeconds(5));
    SpanData parent = span("parent");
    assertThat(span("loser").parentSpanId()).isEqualTo(parent.spanId());
    assertThat(span("imperative").parentSpanId()).isEqualTo(parent.spanId());
  }

  @Test
  void gh16_doOnSubscribeAndScheduledWorkSawTheChildSpan() {
    exporter.reset();
    List<String> seen = new CopyOnWriteArrayList<>();
    Flux.range(0, 8)
        .transform(tracer.flux("child"))
        .doOnSubscribe(s -> seen.add(Span.current().context().spanId()))
        .parallel(2)
        .runOn(single)
        .map(i -> {
          seen.add(Span.current().context().spanId());
          return i;
        })
        .sequential()
        .then()
        .transform(tracer.mono("parent"))
        .block(Duration.ofSeconds(5));
    assertThat(seen).hasSize(9).containsOnly(span("parent").spanId());
  }

  static io.weft.core.export.SpanData span(String name) {
    return exporter.spans().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }
}
