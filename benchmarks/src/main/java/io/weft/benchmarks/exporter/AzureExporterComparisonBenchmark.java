package io.weft.benchmarks.exporter;

import com.azure.monitor.opentelemetry.autoconfigure.AzureMonitorAutoConfigure;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdkBuilder;
import io.weft.core.Tracer;
import com.fasterxml.jackson.databind.JsonNode;
import io.weft.core.instrumentation.SemanticAttributes;
import io.weft.exporter.azure.AzureMonitorExporter;
import io.weft.exporter.azure.ExporterMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
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
 * Weft's exporter next to the Azure Monitor OpenTelemetry exporter ({@code azure-monitor-opentelemetry-autoconfigure}
 * 1.2.0 on the OpenTelemetry SDK), in one run, on the same work: each operation ends 10,000 CLIENT spans with the
 * same six SQL attributes and flushes; the score is spans per second delivered to a loopback count-only local
 * endpoint in its own JVM ({@link EndpointProcess}: it inflates and counts every item, on the same two cores), B/op
 * from {@code -prof gc} is per span and the benchmark JVM's own: span creation plus the exporter. Both exporters
 * batch 512 spans, linger 5 ms and queue up to 20,000 spans; everything else is each library's default (Weft: gzip
 * level 1, 2 requests in flight). Teardown fails the run if the endpoint accepted fewer items than spans were ended.
 *
 * <p>Nothing leaves loopback: the Azure exporter's live metrics are off ({@code applicationinsights.live.metrics
 * .enabled=false}, which its autoconfiguration reads); its statsbeat is only started for an ingestion endpoint in a
 * known Azure region, which {@code http://127.0.0.1} is not, and its intervals are set beyond the run as well; its
 * metric and log exporters are off.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// 40 s of warm-up: on this machine the whole pipeline (two JVMs, Reactor, Netty, Jackson, the endpoint) keeps C2
// compiling for ~30 s, and throughput steps from ~130k to ~200k+ spans/s only then (RESULTS.md, 2026-11-26).
@Warmup(iterations = 20, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class AzureExporterComparisonBenchmark {
  static final int SPANS = 10_000;
  static final int QUEUE = 2 * SPANS;

  @Param({"weft", "azure"})
  public String exporter;

  private EndpointProcess endpoint;
  private long ended;
  // Weft
  private AzureMonitorExporter weftExporter;
  private Tracer weft;
  // Azure Monitor on OpenTelemetry
  private OpenTelemetrySdk otel;
  private io.opentelemetry.api.trace.Tracer azure;

  private static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey(SemanticAttributes.DB_SYSTEM);
  private static final AttributeKey<String> DB_NAMESPACE = AttributeKey.stringKey(SemanticAttributes.DB_NAMESPACE);
  private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey(SemanticAttributes.SERVER_ADDRESS);
  private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey(SemanticAttributes.SERVER_PORT);
  private static final AttributeKey<String> QUERY = AttributeKey.stringKey(SemanticAttributes.DB_QUERY_TEXT);
  private static final AttributeKey<String> OPERATION = AttributeKey.stringKey(SemanticAttributes.DB_OPERATION_NAME);

  @Setup(Level.Trial)
  public void setUp() {
    endpoint = EndpointProcess.start();
    if (exporter.equals("weft")) {
      // Persistence on, as by default (the Azure exporter's is on too): with a healthy endpoint nothing may spill.
      weftExporter = AzureMonitorExporter.builder().connectionString(endpoint.connectionString())
          .persistenceDirectory(SpillFolder.create()).maxQueueSize(QUEUE).maxBatchSize(512)
          .linger(Duration.ofMillis(5)).build();
      weft = Tracer.builder().serviceName("bench").serviceInstance("host").exporter(weftExporter).build();
    } else {
      AutoConfiguredOpenTelemetrySdkBuilder builder = AutoConfiguredOpenTelemetrySdk.builder();
      AzureMonitorAutoConfigure.customize(builder, endpoint.connectionString() + ";LiveEndpoint=" + endpoint.url());
      builder.addPropertiesSupplier(AzureExporterComparisonBenchmark::azureProperties);
      otel = builder.build().getOpenTelemetrySdk();
      azure = otel.getTracer("io.weft.benchmarks");
    }
  }

  /** Applied after the Azure autoconfiguration's own properties, so these win. */
  static Map<String, String> azureProperties() {
    Map<String, String> properties = new HashMap<>();
    properties.put("otel.service.name", "bench");
    properties.put("applicationinsights.live.metrics.enabled", "false");
    properties.put("otel.metrics.exporter", "none");
    properties.put("otel.logs.exporter", "none");
    String year = Long.toString(TimeUnit.DAYS.toSeconds(365));
    properties.put("STATSBEAT_SHORT_INTERVAL_SECONDS_PROPERTY_NAME", year);
    properties.put("STATSBEAT_LONG_INTERVAL_SECONDS_PROPERTY_NAME", year);
    properties.put("otel.bsp.schedule.delay", "5");
    properties.put("otel.bsp.max.queue.size", Integer.toString(QUEUE));
    properties.put("otel.bsp.max.export.batch.size", "512");
    return properties;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    String accounting;
    if (weftExporter != null) {
      weftExporter.shutdown().block(Duration.ofSeconds(60));
      ExporterMetrics metrics = weftExporter.metrics();
      accounting = metrics.toString();
      SpillFolder.requireUntouched(metrics);
    } else {
      otel.getSdkTracerProvider().shutdown().join(60, TimeUnit.SECONDS);
      otel.close();
      accounting = "(the OpenTelemetry SDK keeps no delivery counters)";
    }
    JsonNode stats = endpoint.stats();
    endpoint.close();
    long accepted = stats.get("itemsAccepted").asLong();
    System.out.printf("%n%s: ended %,d spans; endpoint accepted %,d items in %,d requests (%,d B gzip, %,d B"
        + " inflated); %s%n", exporter, ended, accepted, stats.get("requestsReceived").asLong(),
        stats.get("bytesReceived").asLong(), stats.get("bytesInflated").asLong(), accounting);
    if (accepted < ended) {
      throw new IllegalStateException(exporter + " lost spans: ended " + ended + ", accepted " + accepted);
    }
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public void exportAndDeliver() {
    if (weft != null) {
      for (int i = 0; i < SPANS; i++) {
        SqlSpan.end(weft);
      }
      weftExporter.flush().block(Duration.ofSeconds(60));
    } else {
      for (int i = 0; i < SPANS; i++) {
        azure.spanBuilder(SqlSpan.NAME).setSpanKind(SpanKind.CLIENT)
            .setAttribute(DB_SYSTEM, "postgresql").setAttribute(DB_NAMESPACE, "shop")
            .setAttribute(SERVER_ADDRESS, "db.example.com").setAttribute(SERVER_PORT, 5432L)
            .setAttribute(QUERY, SqlSpan.QUERY).setAttribute(OPERATION, "SELECT").startSpan().end();
      }
      // Completes when the batch processor's exports, i.e. the exporter's HTTP sends, have completed.
      otel.getSdkTracerProvider().forceFlush().join(60, TimeUnit.SECONDS);
    }
    ended += SPANS;
  }
}
