package io.weft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class FluxSpanTest {
  final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  final Tracer tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();

  @AfterEach
  void noSpanLeaks() {
    assertThat(tracer.stats().spansActive()).isZero();
  }

  @Test
  void valuesThenCompleteEndTheSpanOnComplete() {
    StepVerifier.create(Flux.range(1, 3).transform(tracer.flux("items")), 2)
        .expectNext(1, 2)
        .then(() -> assertThat(exporter.spans()).isEmpty())
        .thenRequest(2)
        .expectNext(3)
        .verifyComplete();
    assertThat(exporter.spans()).singleElement().satisfies(s -> {
      assertThat(s.name()).isEqualTo("items");
      assertThat(s.status()).isEqualTo(StatusCode.UNSET);
    });
  }

  @Test
  void emptyEndsTheSpan() {
    StepVerifier.create(Flux.empty().transform(tracer.flux("none"))).verifyComplete();
    assertThat(exporter.spans()).hasSize(1);
  }

  @Test
  void errorAfterValuesMarksTheSpanFailed() {
    StepVerifier.create(Flux.just(1, 2).concatWith(Flux.error(new IllegalStateException("late")))
            .transform(tracer.flux("items")))
        .expectNext(1, 2)
        .verifyErrorMessage("late");
    SpanData span = exporter.spans().get(0);
    assertThat(span.status()).isEqualTo(StatusCode.ERROR);
    assertThat(span.exception()).hasMessage("late");
  }

  @Test
  void cancelAfterSomeValuesEndsTheSpanAsCancelled() {
    StepVerifier.create(Flux.range(1, 100).transform(tracer.flux("items")).take(2))
        .expectNext(1, 2)
        .verifyComplete();
    assertThat(exporter.spans()).singleElement().satisfies(s -> assertThat(s.cancelled()).isTrue());
  }

  @Test
  void onValueCallbackSeesEveryElement() {
    StepVerifier.create(Flux.range(1, 3).transform(tracer.spanBuilder("sum")
            .<Integer>flux((span, v) -> span.setAttribute("last", (long) v))))
        .expectNextCount(3)
        .verifyComplete();
    assertThat(exporter.spans().get(0).attributes().get("last")).isEqualTo(3L);
  }

  @Test
  void backpressureIsPassedThrough() {
    StepVerifier.create(Flux.range(1, 10).transform(tracer.flux("items")), 0)
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(10))
        .thenRequest(2)
        .expectNext(1, 2)
        .thenRequest(Long.MAX_VALUE)
        .expectNextCount(8)
        .verifyComplete();
  }

  @Test
  void childrenOfEachElementShareTheFluxSpanAsParent() {
    StepVerifier.create(Flux.range(1, 5).flatMap(i -> reactor.core.publisher.Mono.just(i)
                .transform(tracer.mono("child")), 2)
            .transform(tracer.flux("parent")))
        .expectNextCount(5)
        .verifyComplete();
    SpanData parent = exporter.spans().get(5);
    assertThat(parent.name()).isEqualTo("parent");
    assertThat(exporter.spans().subList(0, 5)).allSatisfy(s -> assertThat(s.parentSpanId()).isEqualTo(parent.spanId()));
  }

  @Test
  void scanOperator() {
    Flux<Integer> source = Flux.just(1);
    Flux<Integer> traced = source.transform(tracer.flux("x"));
    assertThat(Scannable.from(traced).scan(Scannable.Attr.PARENT)).isSameAs(source);
    assertThat(Scannable.from(traced).scan(Scannable.Attr.RUN_STYLE)).isSameAs(Scannable.Attr.RunStyle.SYNC);
  }
}
