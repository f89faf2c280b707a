package io.weft.benchmarks.exporter;

import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.core.export.SpanExporter;
import io.weft.exporter.azure.ExporterFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The exporter's CPU work per envelope, without threads, queues or HTTP: mapping + JSON encoding of a 512-span SQL
 * batch into one buffer ({@code encode}), and gzip of that batch ({@code gzip}, level 1, the default). Run with
 * {@code -t 1} and {@code -t 2} (independent state per thread) to see how two threads scale on this machine: the
 * per-envelope time of two concurrent threads against one tells how much compute the two vCPUs really have, which
 * caps any end-to-end throughput figure.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class EncodeScalingBenchmark {
  static final int SPANS = 512;

  private ExporterFixtures.EncodeStages stages;

  @Setup(Level.Trial)
  public void setUp() {
    List<SpanData> spans = new ArrayList<>();
    Tracer tracer = Tracer.builder().serviceName("bench").serviceInstance("host").exporter(new SpanExporter() {
      @Override
      public void export(SpanData span) {
        spans.add(span);
      }
    }).build();
    for (int i = 0; i < SPANS; i++) {
      SqlSpan.end(tracer);
    }
    stages = new ExporterFixtures.EncodeStages(spans, 1);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    stages.close();
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public int encode() {
    return stages.encode();
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public int gzip() {
    return stages.gzip();
  }
}
