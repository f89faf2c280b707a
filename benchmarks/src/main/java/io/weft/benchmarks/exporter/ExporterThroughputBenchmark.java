package io.weft.benchmarks.exporter;

import io.weft.core.Tracer;
import io.weft.exporter.azure.AzureMonitorExporter;
import io.weft.exporter.azure.ExporterMetrics;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * How many spans per second go from span end to "accepted by the endpoint"? Each operation ends 10,000 CLIENT spans
 * (SQL attributes, like an R2DBC span) and flushes the exporter; the score is spans (= envelopes) per second end to
 * end. The endpoint runs on loopback in count-only mode in its own JVM ({@link EndpointProcess}: it inflates and
 * counts every item), so the exporter's mapping, encoding, gzip and HTTP are what is measured; client and endpoint
 * share the two cores. B/op from {@code -prof gc} is per envelope, the benchmark JVM's: span plus exporter. The path
 * runs on several threads in two JVMs and takes ~30 s to reach its compiled speed, hence the long warm-up.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// 40 s of warm-up: on this machine the whole pipeline (two JVMs, Reactor, Netty, Jackson, the endpoint) keeps C2
// compiling for ~30 s, and throughput steps from ~130k to ~200k+ spans/s only then (RESULTS.md, 2026-11-26).
@Warmup(iterations = 20, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class ExporterThroughputBenchmark {
  static final int SPANS = 10_000;

  @Param({"1", "6"})
  public int gzipLevel;

  @Param({"2", "8"})
  public int maxInFlight;

  private EndpointProcess endpoint;
  private AzureMonitorExporter exporter;
  private Tracer tracer;

  @Setup(Level.Trial)
  public void setUp() {
    endpoint = EndpointProcess.start();
    // Persistence on, as by default: with a healthy endpoint nothing may go through the disk.
    exporter = AzureMonitorExporter.builder().connectionString(endpoint.connectionString())
        .persistenceDirectory(SpillFolder.create()).maxQueueSize(SPANS * 2).linger(Duration.ofMillis(5)).gzipLevel(gzipLevel).maxInFlight(maxInFlight).build();
    tracer = Tracer.builder().serviceName("bench").serviceInstance("host").exporter(exporter).build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    exporter.shutdown().block(Duration.ofSeconds(30));
    ExporterMetrics metrics = exporter.metrics();
    long accepted = endpoint.itemsAccepted();
    endpoint.close();
    SpillFolder.requireUntouched(metrics);
    if (metrics.dropped() != 0 || metrics.delivered() != metrics.handedOver() || accepted != metrics.delivered()) {
      throw new IllegalStateException("spans were lost: " + metrics + ", endpoint accepted " + accepted);
    }
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public void exportAndDeliver() {
    for (int i = 0; i < SPANS; i++) {
      SqlSpan.end(tracer);
    }
    exporter.flush().block(Duration.ofSeconds(60));
  }
}
