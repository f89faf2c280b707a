package io.weft.benchmarks.exporter;

import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.core.export.SpanExporter;
import io.weft.exporter.azure.AzureMonitorExporter;
import io.weft.exporter.azure.ExporterMetrics;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.infra.IterationParams;

/**
 * What ending a span costs the thread that ends it, in that thread's own CPU time, with the whole exporter running
 * behind it at a rate it keeps up with. Each invocation ends a burst of 100 SQL spans handed to an exporter that
 * does nothing, then a burst of 100 handed to the real exporter (default settings, but persistence off: the
 * producer's path does not depend on it, and versions before the pipeline rebuild spilled most spans of such a run
 * to disk although the endpoint accepted everything; a count-only endpoint in its own JVM), then parks until its
 * 500 µs are up: 200,000 spans a second to the real exporter. Thread CPU time counts only while the thread runs, so
 * the other threads' work on the two cores does not inflate it, and the two bursts alternate, so drift of the
 * machine hits both alike: {@code weftCpuNanos - noopCpuNanos} over {@code spans} is the hand-off. Uses only the
 * public API, so any version of the exporter runs it. Teardown fails the trial if any span was dropped while
 * measured.
 *
 * <p>Read the secondary results (sums over each iteration). The primary score is the rate of invocations.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// 40 s of warm-up: the whole pipeline (two JVMs) keeps C2 compiling for ~30 s, and an unwarmed pipeline cannot take
// 200,000 spans/s, so the queue overflows early on.
@Warmup(iterations = 20, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class HandOffCpuBenchmark {
  static final int BURST = 100;
  static final long BURST_NANOS = 500_000; // 100 spans per 500 µs = 200,000 spans/s

  private EndpointProcess endpoint;
  private AzureMonitorExporter weft;
  private Tracer toWeft;
  private Tracer toNoop;
  private MeasuredDrops drops;

  @Setup(Level.Trial)
  public void setUp() {
    endpoint = EndpointProcess.start();
    weft = AzureMonitorExporter.builder().connectionString(endpoint.connectionString()).persistenceDisabled()
        .build();
    drops = new MeasuredDrops(weft.metrics());
    toWeft = Tracer.builder().serviceName("bench").serviceInstance("host").exporter(weft).build();
    toNoop = Tracer.builder().serviceName("bench").serviceInstance("host").exporter(new SpanExporter() {
      @Override
      public void export(SpanData span) {}
    }).build();
  }

  @Setup(Level.Iteration)
  public void iteration(IterationParams iteration) {
    drops.iteration(iteration);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    weft.shutdown().block(Duration.ofSeconds(30));
    ExporterMetrics metrics = weft.metrics();
    long accepted = endpoint.itemsAccepted();
    endpoint.close();
    long measured = drops.measured();
    System.out.println("\nexporter: " + metrics + "; endpoint accepted " + accepted + "; dropped while measured: "
        + measured);
    if (measured != 0 || accepted != metrics.delivered()) {
      throw new IllegalStateException("the exporter did not keep up while measured: " + metrics);
    }
  }

  /** The producer's pace and its CPU clock. */
  @State(Scope.Thread)
  public static class Producer {
    final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long deadline;

    @Setup(Level.Iteration)
    public void start() {
      deadline = System.nanoTime();
    }
  }

  /** Sums over each iteration: the producer's CPU time for each kind of burst, and the spans in each. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Cpu {
    public long noopCpuNanos;
    public long weftCpuNanos;
    public long spans;

    @Setup(Level.Iteration)
    public void clear() {
      noopCpuNanos = 0;
      weftCpuNanos = 0;
      spans = 0;
    }
  }

  @Benchmark
  public void pairedBursts(Producer producer, Cpu cpu) {
    long start = producer.threads.getCurrentThreadCpuTime();
    for (int i = 0; i < BURST; i++) {
      SqlSpan.end(toNoop);
    }
    long middle = producer.threads.getCurrentThreadCpuTime();
    for (int i = 0; i < BURST; i++) {
      SqlSpan.end(toWeft);
    }
    long end = producer.threads.getCurrentThreadCpuTime();
    cpu.noopCpuNanos += middle - start;
    cpu.weftCpuNanos += end - middle;
    cpu.spans += BURST;
    producer.deadline += BURST_NANOS;
    long ahead;
    while ((ahead = producer.deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(ahead);
    }
  }
}
