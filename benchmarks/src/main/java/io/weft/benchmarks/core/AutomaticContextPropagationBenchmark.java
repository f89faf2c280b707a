package io.weft.benchmarks.core;

import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.weft.core.Tracer;
import io.weft.core.sampler.Sampler;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * What does {@code Hooks.enableAutomaticContextPropagation()} add to a traced Mono? Each variant runs with the hook
 * off and on. Weft registers a thread-local accessor for its context key, so with the hook on Reactor can copy the
 * span from the Reactor context into the thread-local current span as signals pass. {@code contextWriteOnly} shows
 * what the hook costs a pipeline that writes its context without any tracing.
 *
 * <p>Target: {@code weftSampled} with the hook on at most 1.3 times {@code weftSampled} with it off.
 *
 * <p>The hook is global. Each parameter value runs in its own fork ({@code @Fork(1)}), so a hook left on cannot leak
 * into the other runs; the tear-down still turns it off.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 10, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class AutomaticContextPropagationBenchmark {

  /** Whether {@code Hooks.enableAutomaticContextPropagation()} is on for this trial. */
  @Param({"false", "true"})
  public boolean automaticPropagation;

  private Function<Mono<Integer>, Mono<Integer>> weftSpan;
  private SdkTracerProvider otelProvider;
  private Function<Mono<Integer>, Mono<Integer>> otelSpan;
  private BlackholeSubscriber subscriber;

  @Setup(Level.Trial)
  public void setUp() {
    if (automaticPropagation) {
      Hooks.enableAutomaticContextPropagation();
    }
    Tracer tracer = WeftFixtures.tracer(Sampler.alwaysOn());
    weftSpan = WeftFixtures.workSpan(tracer);
    otelProvider = OtelFixtures.provider();
    otelSpan = OtelFixtures.workSpan(OtelFixtures.tracer(otelProvider));
    subscriber = new BlackholeSubscriber(Context.empty());

    WeftFixtures.check(Hooks.isAutomaticContextPropagationEnabled() == automaticPropagation,
        "automatic context propagation should be " + (automaticPropagation ? "on" : "off")
            + " (is io.micrometer:context-propagation on the class path?)");
    long exported = tracer.stats().spansExported();
    Integer value = Mono.just(1).map(i -> i + 1).transform(weftSpan).block();
    WeftFixtures.check(value != null && value == 2, "weftSampled emitted " + value);
    WeftFixtures.check(tracer.stats().spansExported() == exported + 1, "weftSampled exported no span");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    Hooks.disableAutomaticContextPropagation();
    OtelFixtures.shutdown(otelProvider);
    subscriber.checkNoError();
  }

  @Benchmark
  public void untraced(Blackhole bh) {
    subscriber.consume(Mono.just(1).map(i -> i + 1), bh);
  }

  @Benchmark
  public void contextWriteOnly(Blackhole bh) {
    subscriber.consume(Mono.just(1).map(i -> i + 1).contextWrite(c -> c.put("k", "v")), bh);
  }

  @Benchmark
  public void weftSampled(Blackhole bh) {
    subscriber.consume(Mono.just(1).map(i -> i + 1).transform(weftSpan), bh);
  }

  @Benchmark
  public void otelIdiom(Blackhole bh) {
    subscriber.consume(Mono.just(1).map(i -> i + 1).transform(otelSpan), bh);
  }
}
