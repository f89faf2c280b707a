package io.weft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/** The span operator's span is the parent of spans created across every operator and scheduler hop. */
class ContextPropagationTest {
  static final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  static final Tracer tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();

  @AfterEach
  void reset() {
    assertThat(tracer.stats().spansActive()).isZero();
    exporter.reset();
  }

  static Mono<Integer> child() {
    return Mono.fromCallable(() -> 1).transform(tracer.mono("child"));
  }

  static Stream<Arguments> shapes() {
    AtomicInteger flaky = new AtomicInteger();
    return Stream.of(
        shape("publishOn", () -> Mono.just(1).publishOn(Schedulers.parallel()).flatMap(v -> child())),
        shape("subscribeOn", () -> child().subscribeOn(Schedulers.boundedElastic())),
        shape("flatMap concurrency 64", () -> Flux.range(0, 32)
            .flatMap(i -> child().subscribeOn(Schedulers.parallel()), 64).reduce(Integer::sum)),
        shape("parallel runOn", () -> Flux.range(0, 16).parallel(4).runOn(Schedulers.parallel())
            .flatMap(i -> child()).sequential().reduce(Integer::sum)),
        shape("zip", () -> Mono.zip(child().subscribeOn(Schedulers.parallel()),
            child().subscribeOn(Schedulers.boundedElastic())).map(t -> t.getT1() + t.getT2())),
        shape("merge", () -> Flux.merge(child().subscribeOn(Schedulers.parallel()),
            child().subscribeOn(Schedulers.boundedElastic())).reduce(Integer::sum)),
        shape("delayElements", () -> Flux.range(0, 3).delayElements(Duration.ofMillis(1))
            .concatMap(i -> child()).reduce(Integer::sum)),
        shape("timeout", () -> child().delayElement(Duration.ofMillis(1)).timeout(Duration.ofSeconds(5))
            .flatMap(v -> child())),
        shape("retryWhen backoff", () -> Mono.defer(() -> flaky.incrementAndGet() % 3 != 0
                ? Mono.<Integer>error(new IllegalStateException("again")) : Mono.just(1))
            .retryWhen(Retry.backoff(5, Duration.ofMillis(1))).flatMap(v -> child())),
        shape("onErrorResume", () -> Mono.<Integer>error(new IllegalStateException("x"))
            .subscribeOn(Schedulers.parallel()).onErrorResume(e -> child())),
        shape("fromFuture", () -> Mono.fromFuture(CompletableFuture.supplyAsync(() -> 1)).flatMap(v -> child())),
        shape("fromCompletionStage", () -> Mono.fromCompletionStage(() -> CompletableFuture.supplyAsync(() -> 1))
            .flatMap(v -> child())),
        shape("nested publishOn hops", () -> child().publishOn(Schedulers.boundedElastic())
            .flatMap(v -> child().publishOn(Schedulers.parallel())).flatMap(v -> child())));
  }

  static Arguments shape(String name, java.util.function.Supplier<Mono<Integer>> pipeline) {
    return Arguments.of(name, (Function<Void, Mono<Integer>>) ignored -> pipeline.get());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void everyChildHasTheRootAsParent(String name, Function<Void, Mono<Integer>> pipeline) {
    pipeline.apply(null).transform(tracer.mono("root")).block(Duration.ofSeconds(10));
    List<SpanData> spans = exporter.spans();
    SpanData root = spans.stream().filter(s -> s.name().equals("root")).findFirst().orElseThrow();
    List<SpanData> children = spans.stream().filter(s -> s.name().equals("child")).toList();
    assertThat(children).as(name).isNotEmpty();
    assertThat(children).allSatisfy(child -> {
      assertThat(child.traceId()).isEqualTo(root.traceId());
      assertThat(child.parentSpanId()).isEqualTo(root.spanId());
    });
    assertThat(root.parentSpanId()).isNull();
  }
}
