package io.weft.benchmarks.exporter;

import io.weft.core.SpanKind;
import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.core.export.SpanExporter;
import io.weft.endpoint.LocalEndpoint;
import io.weft.exporter.azure.AzureMonitorExporter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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

/**
 * What does handing a span to the Application Insights exporter cost the thread that ends it, next to handing it
 * to a no-op exporter? Each operation starts and ends one CLIENT span with four attributes. The exporter sends to a
 * count-only local endpoint in the background (on the other core); its queue is large enough that nothing is
 * dropped. Target: ≤ 1.15× the no-op exporter.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 10, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class ExportHandOffBenchmark {
  private LocalEndpoint endpoint;
  private AzureMonitorExporter exporter;
  private Tracer toExporter;
  private Tracer toNoop;

  @Setup(Level.Trial)
  public void setUp() {
    endpoint = LocalEndpoint.builder().countOnly(true).start();
    exporter = AzureMonitorExporter.builder().connectionString(endpoint.connectionString()).persistenceDisabled()
        .maxQueueSize(1 << 20).build();
    toExporter = Tracer.builder().serviceName("bench").exporter(exporter).build();
    toNoop = Tracer.builder().serviceName("bench").exporter(new SpanExporter() {
      @Override
      public void export(SpanData span) {}
    }).build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    exporter.shutdown().block(Duration.ofSeconds(60));
    endpoint.close();
    System.out.println("exporter: " + exporter.metrics());
  }

  @Benchmark
  public void noopExporter() {
    span(toNoop);
  }

  @Benchmark
  public void azureMonitorExporter() {
    span(toExporter);
  }

  private static void span(Tracer tracer) {
    tracer.spanBuilder("SELECT orders").kind(SpanKind.CLIENT).attribute("db.system", "postgresql")
        .attribute("db.namespace", "shop").attribute("server.address", "db.example.com")
        .attribute("server.port", 5432L).start().end();
  }
}
