package io.weft.exporter.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.core.Tracer;
import io.weft.core.WeftConfig;
import io.weft.core.export.InMemorySpanExporter;
import io.weft.endpoint.LocalEndpoint;
import io.weft.endpoint.TelemetryItem;
import io.weft.exporter.azure.ExporterMetrics.DropReason;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The exporter against a real local endpoint and its fault injection; every test ends with exact accounting. */
class AzureMonitorExporterTest {
  static final Duration WAIT = Duration.ofSeconds(30);

  final LocalEndpoint endpoint = LocalEndpoint.builder().maxStoredItems(250_000).start();
  AzureMonitorExporter exporter;
  Tracer tracer;

  AzureMonitorExporterBuilder builder() {
    return AzureMonitorExporter.builder().connectionString(endpoint.connectionString()).persistenceDisabled()
        .linger(Duration.ofMillis(20)).backoff(Duration.ofMillis(5), Duration.ofMillis(50));
  }

  void start(AzureMonitorExporterBuilder builder) {
    exporter = builder.build();
    tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();
  }

  void spans(int count) {
    for (int i = 0; i < count; i++) {
      tracer.spanBuilder("op-" + i).start().end();
    }
  }

  void flush() {
    exporter.flush().block(WAIT);
  }

  @AfterEach
  void close() {
    if (exporter != null) {
      exporter.shutdown().block(WAIT);
    }
    endpoint.close();
  }

  Set<String> ids(LocalEndpoint target) {
    return target.store().items().stream().map(TelemetryItem::id).collect(Collectors.toSet());
  }

  @Test
  void deliversEverySpanInBatches() {
    start(builder().maxBatchSize(100));
    spans(1_000);
    flush();
    ExporterMetrics metrics = exporter.metrics();
    assertThat(metrics.delivered()).isEqualTo(1_000);
    assertThat(metrics.dropped()).isZero();
    assertThat(metrics.pending()).isZero();
    assertThat(endpoint.store().items()).hasSize(1_000);
    assertThat(ids(endpoint)).hasSize(1_000);
    assertThat(endpoint.stats().requestsReceived()).isBetween(10L, 1_000L);
    assertThat(endpoint.stats().itemsRejected()).isZero();
  }

  @Test
  void partialSuccessResendsOnlyRetryableItems() {
    start(builder().maxBatchSize(4).linger(Duration.ofSeconds(10)));
    endpoint.faults().partialSuccess(Map.of(0, 500, 1, 400, 2, 429));
    spans(4);
    flush();
    ExporterMetrics metrics = exporter.metrics();
    assertThat(metrics.delivered()).isEqualTo(3);
    assertThat(metrics.dropped(DropReason.REJECTED)).isEqualTo(1);
    assertThat(metrics.retried()).isEqualTo(2);
    assertThat(metrics.pending()).isZero();
    assertThat(endpoint.store().items()).hasSize(3);
    assertThat(ids(endpoint)).hasSize(3);
  }

  @Test
  void sampledOutCountsAsDelivered() {
    start(builder().maxBatchSize(2).linger(Duration.ofSeconds(10)));
    endpoint.faults().sampledOut(0);
    spans(2);
    flush();
    assertThat(exporter.metrics().delivered()).isEqualTo(2);
    assertThat(exporter.metrics().retried()).isZero();
    assertThat(endpoint.store().items()).hasSize(1);
  }

  @Test
  void retryAfterIsHonoured() {
    start(builder().backoff(Duration.ofMillis(1), Duration.ofSeconds(5)));
    endpoint.faults().respond(503, Duration.ofSeconds(1));
    long start = System.nanoTime();
    spans(3);
    flush();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(exporter.metrics().delivered()).isEqualTo(3);
    assertThat(exporter.metrics().retried()).isEqualTo(3);
    assertThat(endpoint.stats().requestsReceived()).isEqualTo(2);
  }

  @Test
  void transientFailuresAreRetriedUntilDelivered() {
    start(builder());
    endpoint.faults().respond(500).respond(408).respond(429).resetConnection().respond(502);
    spans(5);
    flush();
    assertThat(exporter.metrics().delivered()).isEqualTo(5);
    assertThat(exporter.metrics().pending()).isZero();
    assertThat(ids(endpoint)).hasSize(5);
  }

  @Test
  void rejectionsAndQuotaAreDroppedAndCounted() {
    start(builder().maxBatchSize(2).linger(Duration.ofSeconds(10)));
    endpoint.faults().respond(400).respond(439).respond(402);
    spans(6);
    flush();
    ExporterMetrics metrics = exporter.metrics();
    assertThat(metrics.dropped(DropReason.REJECTED)).isEqualTo(2);
    assertThat(metrics.dropped(DropReason.QUOTA)).isEqualTo(4);
    assertThat(metrics.delivered()).isZero();
    assertThat(metrics.pending()).isZero();
  }

  @Test
  void retriesAreBoundedThenCounted() {
    start(builder().maxRetries(2));
    endpoint.faults().respond(503).respond(503).respond(503);
    spans(3);
    flush();
    assertThat(exporter.metrics().dropped(DropReason.RETRIES_EXHAUSTED)).isEqualTo(3);
    assertThat(exporter.metrics().pending()).isZero();
    assertThat(endpoint.stats().requestsReceived()).isEqualTo(3);
  }

  @Test
  void permanentRedirectIsFollowedAndRemembered() {
    try (LocalEndpoint moved = LocalEndpoint.start()) {
      start(builder());
      endpoint.faults().redirect(308, moved.url());
      spans(3);
      flush();
      spans(2);
      flush();
      assertThat(exporter.metrics().delivered()).isEqualTo(5);
      assertThat(moved.store().items()).hasSize(5);
      assertThat(endpoint.stats().requestsReceived()).as("later batches go straight to the new endpoint")
          .isEqualTo(1);
    }
  }

  @Test
  void endpointDownThenBackLosesNothing() {
    start(builder().maxRetries(100).backoff(Duration.ofMillis(10), Duration.ofMillis(100)));
    endpoint.pause();
    spans(50);
    exporter.flush().timeout(Duration.ofMillis(300), reactor.core.publisher.Mono.empty()).block(WAIT);
    assertThat(exporter.metrics().pending()).isEqualTo(50);
    endpoint.resume();
    flush();
    assertThat(exporter.metrics().delivered()).isEqualTo(50);
    assertThat(ids(endpoint)).hasSize(50);
  }

  @Test
  void overloadDropsExactlyWhatDoesNotFitAndNeverBlocks() {
    start(builder().maxQueueSize(100).maxBatchSize(10).maxInFlight(1).maxRetries(1_000)
        .backoff(Duration.ofMillis(10), Duration.ofMillis(20)));
    endpoint.pause();
    spans(1_000);
    ExporterMetrics metrics = exporter.metrics();
    long dropped = metrics.dropped(DropReason.QUEUE_FULL);
    assertThat(dropped).as("bounded: queue (100) + one in-flight batch (10) at most survive").isBetween(890L, 900L);
    endpoint.resume();
    flush();
    assertThat(metrics.delivered() + metrics.dropped()).isEqualTo(1_000);
    assertThat(metrics.pending()).isZero();
    assertThat((long) ids(endpoint).size()).isEqualTo(metrics.delivered()).isEqualTo(1_000 - dropped);
  }

  @Test
  void spansEndedWhileShutdownRunsAreAllAccountedFor() throws Exception {
    // Producers keep ending spans while shutdown runs: a span whose producer passed the "closed" check just before
    // shutdown began, and was queued after shutdown's last pass, must still be counted (as SHUTDOWN), not stay
    // pending forever.
    for (int round = 0; round < 10; round++) {
      start(builder().maxBatchSize(50).shutdownTimeout(Duration.ofMillis(100)));
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(2);
      java.util.concurrent.ExecutorService producers = java.util.concurrent.Executors.newFixedThreadPool(2);
      try {
        for (int p = 0; p < 2; p++) {
          producers.execute(() -> {
            started.countDown();
            while (!stop.get()) {
              tracer.spanBuilder("op").start().end();
            }
          });
        }
        assertThat(started.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        exporter.shutdown().block(WAIT);
        stop.set(true);
      } finally {
        producers.shutdown();
        assertThat(producers.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      }
      ExporterMetrics metrics = exporter.metrics();
      assertThat(metrics.pending()).as("round %d: %s", round, metrics).isZero();
      assertThat(metrics.delivered() + metrics.dropped()).as("round %d: %s", round, metrics)
          .isEqualTo(metrics.handedOver());
      // The producers outrun the endpoint, so the queue also overflows.
      assertThat(metrics.dropped()).as("%s", metrics)
          .isEqualTo(metrics.dropped(DropReason.SHUTDOWN) + metrics.dropped(DropReason.QUEUE_FULL));
      // A second shutdown completes at once.
      exporter.shutdown().block(Duration.ofSeconds(5));
    }
  }

  @Test
  void randomFailuresLoseAndDuplicateNothing() {
    start(builder().maxBatchSize(200).maxRetries(100).maxQueueSize(20_000));
    endpoint.faults().failRandomly(0.3, 7, 503);
    spans(5_000);
    flush();
    ExporterMetrics metrics = exporter.metrics();
    assertThat(metrics.delivered()).isEqualTo(5_000);
    assertThat(metrics.dropped()).isZero();
    List<TelemetryItem> items = endpoint.store().items();
    assertThat(items).hasSize(5_000);
    assertThat(new HashSet<>(items.stream().map(TelemetryItem::id).toList())).hasSize(5_000);
  }

  @Test
  void hundredThousandSpansThroughFailuresAndResetsArriveExactlyOnce() {
    start(builder().maxBatchSize(512).maxRetries(1_000).maxQueueSize(200_000).maxInFlight(4)
        .backoff(Duration.ofMillis(1), Duration.ofMillis(20)));
    endpoint.faults().failRandomly(0.3, 11, 503);
    for (int i = 0; i < 20; i++) {
      endpoint.faults().resetConnection().respond(500);
    }
    spans(50_000);
    flush();
    endpoint.faults().clear(); // the second half of the run is healthy
    spans(50_000);
    flush();
    ExporterMetrics metrics = exporter.metrics();
    assertThat(metrics.dropped()).isZero();
    assertThat(metrics.delivered()).isEqualTo(100_000);
    List<TelemetryItem> items = endpoint.store().items();
    long distinct = items.stream().map(TelemetryItem::id).distinct().count();
    assertThat(items.size() - distinct).as("duplicates").isZero();
    assertThat(distinct).isEqualTo(100_000);
  }

  @Test
  void responsesSlowerThanTheTimeoutAreRetried() {
    start(builder().timeouts(Duration.ofSeconds(2), Duration.ofMillis(200)));
    endpoint.faults().delay(Duration.ofMillis(600));
    spans(3);
    flush();
    ExporterMetrics metrics = exporter.metrics();
    assertThat(metrics.delivered()).isEqualTo(3);
    assertThat(metrics.retried()).isEqualTo(3);
    // The slow request was processed before its late answer, so its items are stored twice: a client that timed
    // out cannot know the service accepted them (only what the service confirmed may never be sent twice).
    assertThat(endpoint.stats().requestsReceived()).isEqualTo(2);
    assertThat(endpoint.store().items()).hasSize(6);
  }

  @Test
  void shutdownFlushesThenRefusesMore() {
    start(builder().linger(Duration.ofSeconds(30)));
    spans(10);
    exporter.shutdown().block(WAIT);
    assertThat(exporter.metrics().delivered()).isEqualTo(10);
    spans(2);
    assertThat(exporter.metrics().dropped(DropReason.SHUTDOWN)).isEqualTo(2);
    assertThat(exporter.metrics().pending()).isZero();
    exporter = null;
  }

  @Test
  void theExportersOwnCallsAreNeverTraced() {
    InMemorySpanExporter recorder = InMemorySpanExporter.create();
    exporter = builder().build();
    tracer = Tracer.builder().serviceName("svc").exporter(exporter).exporter(recorder).build();
    spans(5);
    flush();
    assertThat(recorder.spans()).hasSize(5);
    assertThat(endpoint.store().items()).hasSize(5);
  }

  @Test
  void providerWiresTheGlobalTracerFromTheConnectionString() {
    AzureMonitorExporterProvider provider = new AzureMonitorExporterProvider();
    assertThat(provider.create(WeftConfig.of(Map.of(), Map.of()))).isNull();
    AzureMonitorExporter fromEnv = (AzureMonitorExporter) provider.create(WeftConfig.of(Map.of(),
        Map.of("APPLICATIONINSIGHTS_CONNECTION_STRING", endpoint.connectionString())));
    try {
      assertThat(fromEnv.connectionString().ingestionEndpoint()).hasToString(endpoint.url());
      assertThat(fromEnv.hasShutdownHook()).as("nobody else would shut the global exporter down").isTrue();
    } finally {
      fromEnv.shutdown().block(WAIT);
    }
    assertThat(fromEnv.hasShutdownHook()).as("an explicit shutdown removes the hook").isFalse();
  }

  @Test
  void builderFailsFastNamingTheSetting() {
    assertThatThrownBy(() -> AzureMonitorExporter.builder().build())
        .hasMessage("connectionString is required (or use fromEnvironment())");
    assertThatThrownBy(() -> AzureMonitorExporter.builder().maxQueueSize(0))
        .hasMessage("maxQueueSize must be positive: 0");
    assertThatThrownBy(() -> AzureMonitorExporter.builder().gzipLevel(11))
        .hasMessage("gzipLevel must be within [1, 9]: 11");
  }
}
