package io.weft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Random nested pipelines (scheduler hops, retry, timeout with a fallback, zip, {@code parallel().runOn}), with
 * Reactor's automatic context propagation on: every traced step and every imperative span inside one must be the
 * child of the traced step it is written in. Seeded, so a failure is reproducible.
 */
class RandomPipelinesTest {
  static final int PIPELINES = 400;
  static final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  static final Tracer tracer = Tracer.builder().serviceName("random").exporter(exporter).build();
  static Scheduler hop;

  final AtomicInteger ids = new AtomicInteger();
  // Span name → the name of the span that must be its parent ("" for a root).
  final Map<String, String> expectedParent = new ConcurrentHashMap<>();

  @BeforeAll
  static void enable() {
    Hooks.enableAutomaticContextPropagation();
    hop = Schedulers.newParallel("random-hop", 2);
  }

  @AfterAll
  static void disable() {
    Hooks.disableAutomaticContextPropagation();
    hop.dispose();
  }

  @Test
  void everySpanIsTheChildOfTheStepItIsWrittenIn() {
    SplittableRandom random = new SplittableRandom(16);
    exporter.reset();
    Flux.range(0, PIPELINES)
        .concatMap(i -> traced("", random.split(), 3), 8)
        .then()
        .block(Duration.ofMinutes(1));
    List<SpanData> spans = exporter.spans();
    Map<String, SpanData> byId = new HashMap<>();
    spans.forEach(s -> byId.put(s.spanId(), s));
    int checked = 0;
    for (SpanData span : spans) {
      String expected = expectedParent.get(span.name());
      if (expected == null) {
        continue; // a "loser" of a timeout: its own parent is checked like any step's
      }
      SpanData parent = span.parentSpanId() == null ? null : byId.get(span.parentSpanId());
      assertThat(parent == null ? "" : parent.name()).as("parent of %s", span.name()).isEqualTo(expected);
      checked++;
    }
    assertThat(checked).isGreaterThan(PIPELINES * 3);
    assertThat(tracer.stats().spansActive()).isZero();
  }

  /** A traced step named {@code s<id>} under {@code parent}, around a random body. */
  private Mono<Integer> traced(String parent, SplittableRandom random, int depth) {
    String name = "s" + ids.incrementAndGet();
    expectedParent.put(name, parent);
    return body(name, random, depth).transform(tracer.mono(name));
  }

  private Mono<Integer> body(String step, SplittableRandom random, int depth) {
    int shape = depth == 0 ? 0 : random.nextInt(7);
    return switch (shape) {
      case 0 -> leaf(step);
      case 1 -> traced(step, random.split(), depth - 1).publishOn(hop);
      case 2 -> traced(step, random.split(), depth - 1).subscribeOn(hop);
      case 3 -> Mono.zip(traced(step, random.split(), depth - 1), leaf(step).publishOn(hop), Integer::sum);
      case 4 -> {
        String loser = "loser" + ids.incrementAndGet();
        expectedParent.put(loser, step);
        Mono<Integer> fallback = random.nextBoolean() ? leaf(step) : traced(step, random.split(), depth - 1);
        yield Mono.<Integer>never().transform(tracer.mono(loser)).timeout(Duration.ofMillis(2), fallback);
      }
      case 5 -> {
        AtomicInteger attempts = new AtomicInteger();
        Mono<Integer> flaky = Mono.defer(() -> attempts.getAndIncrement() == 0
            ? Mono.<Integer>error(new IllegalStateException("first attempt")) : leaf(step));
        yield flaky.publishOn(hop).retry(1);
      }
      default -> traced(step, random.split(), depth - 1).flux()
          .concatWith(Flux.range(0, 3))
          .parallel(2)
          .runOn(hop)
          .map(i -> leafNow(step))
          .sequential()
          .reduce(0, Integer::sum);
    };
  }

  /** An imperative span, when subscribed, that must be a child of {@code step}. */
  private Mono<Integer> leaf(String step) {
    return Mono.fromCallable(() -> leafNow(step));
  }

  /** An imperative span, named {@code leaf<id>}, now: it must be a child of {@code step}. */
  private int leafNow(String step) {
    String name = "leaf" + ids.incrementAndGet();
    expectedParent.put(name, step);
    try (SpanScope scope = tracer.spanBuilder(name).startScoped()) {
      return 1;
    }
  }
}
