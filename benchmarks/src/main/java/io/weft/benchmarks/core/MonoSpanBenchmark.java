package io.weft.benchmarks.core;

import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.weft.core.ContextKeys;
import io.weft.core.Span;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * What does one span around a Mono cost? Each operation assembles {@code Mono.just(1).map(i -> i + 1)}, wraps it in
 * a span (or not), subscribes, and consumes the value. Compared here:
 *
 * <ul>
 *   <li>{@code untraced}: no span, the baseline;
 *   <li>{@code weftSampled}: a sampled Weft span with four attributes, exported to a no-op exporter;
 *   <li>{@code weftUnsampledUnderUnsampledParent}: the same operator, subscribed under an unsampled parent, where
 *       Weft should step aside;
 *   <li>{@code weftUnsampledRoot}: a Weft tracer that samples nothing and no parent, so a non-recording span is
 *       still created and propagated;
 *   <li>{@code otelIdiom}: the same span with the OpenTelemetry SDK, written the way a user would by hand.
 * </ul>
 *
 * <p>Targets, as ratios within one run: {@code weftSampled} at most 0.4 times {@code otelIdiom} and at most 400 B
 * allocated per operation; {@code weftUnsampledUnderUnsampledParent} at most 1.5 times {@code untraced}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 10, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class MonoSpanBenchmark {
  private Tracer sampledTracer;
  private Function<Mono<Integer>, Mono<Integer>> sampledSpan;
  private Function<Mono<Integer>, Mono<Integer>> unsampledSpan;
  private SdkTracerProvider otelProvider;
  private Function<Mono<Integer>, Mono<Integer>> otelSpan;
  private BlackholeSubscriber noParent;
  private BlackholeSubscriber underUnsampledParent;

  @Setup(Level.Trial)
  public void setUp() {
    sampledTracer = WeftFixtures.tracer(Sampler.alwaysOn());
    Tracer unsampledTracer = WeftFixtures.tracer(Sampler.alwaysOff());
    sampledSpan = WeftFixtures.workSpan(sampledTracer);
    unsampledSpan = WeftFixtures.workSpan(unsampledTracer);
    otelProvider = OtelFixtures.provider();
    otelSpan = OtelFixtures.workSpan(OtelFixtures.tracer(otelProvider));

    // The parent sits in the subscriber's own context, so no operator has to put it there in each operation.
    Span unsampledParent = unsampledTracer.spanBuilder("parent").start();
    Context parentContext = Context.of(ContextKeys.SPAN, unsampledParent);
    noParent = new BlackholeSubscriber(Context.empty());
    underUnsampledParent = new BlackholeSubscriber(parentContext);

    checkVariants(parentContext);
  }

  /** Fails the trial if a variant does not do what its name says. */
  private void checkVariants(Context parentContext) {
    long exported = sampledTracer.stats().spansExported();
    Integer value = Mono.just(1).map(i -> i + 1).transform(sampledSpan).block();
    WeftFixtures.check(value != null && value == 2, "weftSampled emitted " + value);
    WeftFixtures.check(sampledTracer.stats().spansExported() == exported + 1, "weftSampled exported no span");

    long started = sampledTracer.stats().spansStarted();
    value = Mono.just(1).map(i -> i + 1).transform(sampledSpan).contextWrite(parentContext).block();
    WeftFixtures.check(value != null && value == 2, "weftUnsampledUnderUnsampledParent emitted " + value);
    WeftFixtures.check(sampledTracer.stats().spansStarted() == started,
        "weftUnsampledUnderUnsampledParent started a span under an unsampled parent");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    OtelFixtures.shutdown(otelProvider);
    noParent.checkNoError();
    underUnsampledParent.checkNoError();
  }

  @Benchmark
  public void untraced(Blackhole bh) {
    noParent.consume(Mono.just(1).map(i -> i + 1), bh);
  }

  @Benchmark
  public void weftSampled(Blackhole bh) {
    noParent.consume(Mono.just(1).map(i -> i + 1).transform(sampledSpan), bh);
  }

  @Benchmark
  public void weftUnsampledUnderUnsampledParent(Blackhole bh) {
    underUnsampledParent.consume(Mono.just(1).map(i -> i + 1).transform(sampledSpan), bh);
  }

  @Benchmark
  public void weftUnsampledRoot(Blackhole bh) {
    noParent.consume(Mono.just(1).map(i -> i + 1).transform(unsampledSpan), bh);
  }

  @Benchmark
  public void otelIdiom(Blackhole bh) {
    noParent.consume(Mono.just(1).map(i -> i + 1).transform(otelSpan), bh);
  }
}
