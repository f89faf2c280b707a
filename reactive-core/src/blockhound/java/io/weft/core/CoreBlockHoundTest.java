package io.weft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.LoggingSpanExporter;
import io.weft.core.propagation.W3CTraceContext;
import io.weft.core.sampler.Sampler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockHound;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Span creation, attributes, ending, propagation and hand-off to exporters never block a Reactor thread. Runs in
 * its own surefire execution with BlockHound installed (JDK 13+ needs -XX:+AllowRedefinitionToAddDeleteMethods).
 */
class CoreBlockHoundTest {
  static final InMemorySpanExporter recorder = InMemorySpanExporter.create();
  static final LoggingSpanExporter logging = LoggingSpanExporter.create();
  static Tracer tracer;
  static Tracer rateLimited;

  @BeforeAll
  static void install() {
    BlockHound.install();
    // Built off the event loops: the first build resolves the host name and reads the version resource.
    tracer = Tracer.builder().serviceName("svc").exporter(recorder).exporter(logging).build();
    rateLimited = Tracer.builder().serviceName("svc").sampler(Sampler.rateLimited(1000)).exporter(recorder).build();
  }

  @Test
  void blockHoundIsActive() {
    assertThatThrownBy(() -> Mono.fromCallable(() -> {
      Thread.sleep(1);
      return 1;
    }).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(5)))
        .hasMessageContaining("Blocking call");
  }

  @Test
  void tracingOnParallelThreadsNeverBlocks() {
    int before = recorder.size();
    Flux.range(0, 2_000)
        .flatMap(i -> Mono.fromCallable(() -> {
              Span span = Span.current();
              span.setAttribute("i", (long) i).setAttribute("s", "v" + i);
              try (SpanScope scope = tracer.spanBuilder("imperative").startScoped()) {
                scope.span().setAttribute("k", true);
              }
              SpanContext extracted = W3CTraceContext.extract(List.of(Map.entry("traceparent",
                  W3CTraceContext.formatTraceParent(span.context())), Map.entry("tracestate", "a=1,b=2")));
              tracer.spanBuilder("server").kind(SpanKind.SERVER).parent(extracted).start().end();
              return i;
            })
            .publishOn(Schedulers.parallel())
            .transform(tracer.mono("per-item"))
            .transform(rateLimited.mono("rate-limited"))
            .subscribeOn(Schedulers.parallel()), 64)
        .then()
        .transform(tracer.mono("root"))
        .block(Duration.ofSeconds(30));
    assertThat(recorder.size() - before).isGreaterThanOrEqualTo(2_000 * 3 + 1);
    assertThat(tracer.stats().internalFailures()).isZero();
  }

  @Test
  void cancellationAndErrorsOnParallelThreadsNeverBlock() {
    Flux.range(0, 500)
        .flatMap(i -> Mono.error(new IllegalStateException("e" + i)).transform(tracer.mono("failing"))
            .onErrorResume(e -> Mono.never().transform(tracer.mono("cancelled")).timeout(Duration.ofMillis(1),
                Mono.just(i)))
            .subscribeOn(Schedulers.parallel()), 64)
        .then()
        .block(Duration.ofSeconds(30));
    assertThat(tracer.stats().spansActive()).isZero();
  }
}
