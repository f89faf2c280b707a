package io.weft.benchmarks.core;

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
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * Does a span cost anything per operator inside it? Compares a chain of {@code operators} {@code map} steps on
 * {@code Mono.just(1)}, untraced and inside one sampled Weft span, with the span around {@code Mono.just(1)} alone.
 * If the span costs nothing per operator, {@code weftChainWithOneSpan} is at most {@code untracedChain +
 * weftSpanOnly - untracedJust}: the chain plus one span.
 *
 * <p>Every value stays within the {@code Integer} cache (up to 127), so a chain of fewer than 127 steps does not
 * allocate for boxing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 10, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class OperatorChainBenchmark {

  /** The number of {@code map} steps in the chain. */
  @Param("20")
  public int operators;

  private Function<Mono<Integer>, Mono<Integer>> span;
  private BlackholeSubscriber subscriber;

  @Setup(Level.Trial)
  public void setUp() {
    Tracer tracer = WeftFixtures.tracer(Sampler.alwaysOn());
    span = WeftFixtures.workSpan(tracer);
    subscriber = new BlackholeSubscriber(Context.empty());

    long exported = tracer.stats().spansExported();
    Integer value = chain().transform(span).block();
    WeftFixtures.check(value != null && value == 1 + operators, "weftChainWithOneSpan emitted " + value);
    WeftFixtures.check(tracer.stats().spansExported() == exported + 1, "weftChainWithOneSpan exported no span");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    subscriber.checkNoError();
  }

  @Benchmark
  public void untracedJust(Blackhole bh) {
    subscriber.consume(Mono.just(1), bh);
  }

  @Benchmark
  public void untracedChain(Blackhole bh) {
    subscriber.consume(chain(), bh);
  }

  @Benchmark
  public void weftSpanOnly(Blackhole bh) {
    subscriber.consume(Mono.just(1).transform(span), bh);
  }

  @Benchmark
  public void weftChainWithOneSpan(Blackhole bh) {
    subscriber.consume(chain().transform(span), bh);
  }

  /** A new chain of {@link #operators} {@code map} steps, assembled as 20 chained {@code .map} calls would be. */
  private Mono<Integer> chain() {
    Mono<Integer> mono = Mono.just(1);
    for (int i = 0; i < operators; i++) {
      mono = mono.map(v -> v + 1);
    }
    return mono;
  }
}
