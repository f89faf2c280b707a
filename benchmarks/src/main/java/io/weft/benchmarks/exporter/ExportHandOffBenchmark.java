package io.weft.benchmarks.exporter;

import io.weft.core.SpanKind;
import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.core.export.SpanExporter;
import io.weft.core.instrumentation.SemanticAttributes;
import io.weft.exporter.azure.AzureMonitorExporter;
import io.weft.exporter.azure.ExporterFixtures;
import io.weft.exporter.azure.ExporterMetrics;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;

/**
 * What handing a span to the Application Insights exporter costs the thread that ends it, with a downstream that
 * keeps up with anything ({@code ExporterFixtures.withNoopDownstream}, from the exporter's test-jar: the real
 * queue, wake-ups, linger, batches, slots and accounting, with each span encoded as an empty envelope and every
 * request accepted in memory). Default settings otherwise (queue 8,192, batches of 512). Each operation starts and
 * ends one CLIENT span with four attributes.
 *
 * <ul>
 *   <li>{@code noopExporter} vs {@code azureMonitorExporter}: the producer's cost per span, one thread; target ≤
 *       1.15×.</li>
 *   <li>{@code twoThreadsAtOneMillion}: two threads each offer 500,000 spans/s, paced (100 spans, then park
 *       until that slice's 200 µs are up, catching up when late); the score shows the rate actually offered, and
 *       teardown fails the run if any span was dropped as {@code QUEUE_FULL} during the measured iterations
 *       (target: zero drops at ≥ 1,000,000 spans/s; each iteration prints the drops so far, warm-up
 *       included).</li>
 *   <li>{@code twoThreadsFlatOut}: two threads end spans as fast as they can, with no pacing; the worker then
 *       competes with both for the two cores, and the drops are printed (not a failure).</li>
 * </ul>
 */
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class ExportHandOffBenchmark {
  /** The exporter's queue (default 8,192: 8 ms of spans at 1M/s). */
  @Param({"8192"})
  public int maxQueueSize;

  private AzureMonitorExporter exporter;
  private Tracer toExporter;
  private Tracer toNoop;
  private MeasuredDrops drops;

  @Setup(Level.Trial)
  public void setUp() {
    // Nothing is sent, so no endpoint is needed; the connection string only has to parse.
    exporter = ExporterFixtures.withNoopDownstream(AzureMonitorExporter.builder()
        .connectionString("InstrumentationKey=00000000-0000-0000-0000-000000000000;"
            + "IngestionEndpoint=http://127.0.0.1:9/")
        .persistenceDisabled().maxQueueSize(maxQueueSize));
    drops = new MeasuredDrops(exporter.metrics());
    toExporter = Tracer.builder().serviceName("bench").exporter(exporter).build();
    toNoop = Tracer.builder().serviceName("bench").exporter(new SpanExporter() {
      @Override
      public void export(SpanData span) {}
    }).build();
  }

  @Setup(Level.Iteration)
  public void iteration(IterationParams iteration) {
    System.out.print(" [QUEUE_FULL so far: " + drops.iteration(iteration) + "] ");
  }

  @TearDown(Level.Trial)
  public void tearDown(BenchmarkParams params) {
    exporter.shutdown().block(Duration.ofSeconds(60));
    ExporterMetrics metrics = exporter.metrics();
    long measured = drops.measured(); // every drop here is QUEUE_FULL: nothing else can fail
    System.out.println("\nexporter: " + metrics + "; QUEUE_FULL during measurement: " + measured);
    if (measured > 0 && params.getBenchmark().endsWith("twoThreadsAtOneMillion")) {
      throw new IllegalStateException(measured + " spans dropped as QUEUE_FULL while measured: " + metrics);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public void noopExporter() {
    span(toNoop);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public void azureMonitorExporter() {
    span(toExporter);
  }

  /** Each producer's pacing: the end of its current 200 µs slice. */
  @State(Scope.Thread)
  public static class Pace {
    static final int SPANS = 100;
    static final long SLICE_NANOS = 200_000; // 100 spans per 200 µs = 500,000 spans/s per thread
    long deadline;

    @Setup(Level.Iteration)
    public void start() {
      deadline = System.nanoTime();
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(Pace.SPANS)
  @Threads(2)
  public void twoThreadsAtOneMillion(Pace pace) {
    for (int i = 0; i < Pace.SPANS; i++) {
      span(toExporter);
    }
    pace.deadline += Pace.SLICE_NANOS;
    long ahead;
    while ((ahead = pace.deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(ahead); // sleeps like a service between requests; the worker gets the core meanwhile
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(2)
  public void twoThreadsFlatOut() {
    span(toExporter);
  }

  private static void span(Tracer tracer) {
    tracer.spanBuilder("SELECT orders").kind(SpanKind.CLIENT)
        .attribute(SemanticAttributes.DB_SYSTEM, "postgresql")
        .attribute(SemanticAttributes.DB_NAMESPACE, "shop")
        .attribute(SemanticAttributes.SERVER_ADDRESS, "db.example.com")
        .attribute(SemanticAttributes.SERVER_PORT, 5432L).start().end();
  }
}
