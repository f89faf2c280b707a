package io.weft.exporter.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.core.Tracer;
import io.weft.endpoint.LocalEndpoint;
import io.weft.endpoint.TelemetryItem;
import io.weft.exporter.azure.ExporterMetrics.DropReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Disk spill end to end: spill, resend when healthy, crash safety, shutdown, cap. */
class PersistenceTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  @TempDir Path dir;
  final LocalEndpoint endpoint = LocalEndpoint.builder().maxStoredItems(50_000).start();

  @AfterEach
  void close() {
    endpoint.close();
  }

  AzureMonitorExporterBuilder builder() {
    return AzureMonitorExporter.builder().connectionString(endpoint.connectionString())
        .persistenceDirectory(dir.resolve("spill")).linger(Duration.ofMillis(10))
        .backoff(Duration.ofMillis(5), Duration.ofMillis(20)).shutdownTimeout(Duration.ofMillis(500));
  }

  static void spans(Tracer tracer, int count) {
    for (int i = 0; i < count; i++) {
      tracer.spanBuilder("op-" + i).start().end();
    }
  }

  long spillFiles() throws Exception {
    return CrashChild.spillFiles(dir.resolve("spill"));
  }

  static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out waiting for " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  @Test
  void exhaustedRetriesSpillThenResendWhenHealthy() throws Exception {
    AzureMonitorExporter exporter = builder().maxRetries(1).maxBatchSize(10).build();
    Tracer tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();
    endpoint.faults().respond(503).respond(503);
    spans(tracer, 10);
    await(() -> exporter.metrics().persisted() == 10, "10 spans spilled");
    assertThat(exporter.metrics().dropped()).isZero();
    assertThat(exporter.metrics().pending()).as("on disk is pending").isEqualTo(10);
    spans(tracer, 1); // a healthy send: the spill file goes next
    await(() -> exporter.metrics().delivered() == 11, "all delivered");
    assertThat(exporter.metrics().pending()).isZero();
    assertThat(endpoint.store().items().stream().map(TelemetryItem::id).distinct().count()).isEqualTo(11);
    await(() -> {
      try {
        return spillFiles() == 0;
      } catch (Exception e) {
        return false;
      }
    }, "the delivered file is deleted");
    exporter.shutdown().block(WAIT);
  }

  @Test
  void storageSettingsMoveTheSpillOrTurnItOff() throws Exception {
    endpoint.pause();
    Path moved = dir.resolve("volume");
    // The directory from the environment replaces the builder's; the system property wins over the variable.
    AzureMonitorExporter there = builder().maxRetries(1_000).storage(io.weft.core.WeftConfig.of(
        java.util.Map.of(), java.util.Map.of(AzureMonitorExporterBuilder.STORAGE_DIR_ENV, moved.toString()))).build();
    spans(Tracer.builder().serviceName("svc").exporter(there).build(), 10);
    there.shutdown().block(WAIT);
    assertThat(there.metrics().persisted()).isEqualTo(10);
    assertThat(CrashChild.spillFiles(moved)).isPositive();
    assertThat(spillFiles()).as("nothing in the builder's directory").isZero();

    AzureMonitorExporter off = builder().maxRetries(0).storage(io.weft.core.WeftConfig.of(
        java.util.Map.of(AzureMonitorExporterBuilder.STORAGE_ENABLED_PROPERTY, "false"),
        java.util.Map.of(AzureMonitorExporterBuilder.STORAGE_ENABLED_ENV, "true"))).build();
    spans(Tracer.builder().serviceName("svc").exporter(off).build(), 10);
    off.shutdown().block(WAIT);
    assertThat(off.metrics().persisted()).isZero();
    assertThat(off.metrics().dropped()).as("counted, not lost silently").isEqualTo(10);
    assertThat(spillFiles()).isZero();

    assertThatThrownBy(() -> builder().storage(io.weft.core.WeftConfig.of(java.util.Map.of(),
        java.util.Map.of(AzureMonitorExporterBuilder.STORAGE_ENABLED_ENV, "no"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("WEFT_EXPORTER_STORAGE_ENABLED (or -Dweft.exporter.storage.enabled) must be true or false: no");
  }

  @Test
  void shutdownPersistsWhatItCouldNotDeliver() throws Exception {
    endpoint.pause();
    AzureMonitorExporter exporter = builder().maxRetries(1_000).build();
    Tracer tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();
    spans(tracer, 30);
    exporter.shutdown().block(WAIT);
    ExporterMetrics metrics = exporter.metrics();
    assertThat(metrics.dropped()).isZero();
    assertThat(metrics.persisted()).isEqualTo(30);
    assertThat(metrics.pending()).isEqualTo(30);
    assertThat(spillFiles()).isPositive();
    endpoint.resume();
    AzureMonitorExporter next = builder().build();
    await(() -> next.metrics().recoveredDelivered() == 30, "persisted spans delivered by the next run");
    next.shutdown().block(WAIT);
  }

  @Test
  void fullMemoryBudgetsSpillInsteadOfDropping() {
    endpoint.pause();
    AzureMonitorExporter exporter = builder().maxQueueSize(100).maxBatchSize(20).maxInFlight(1).maxRetries(1_000)
        .backoff(Duration.ofMillis(20), Duration.ofMillis(50)).build();
    Tracer tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();
    for (int i = 0; i < 1_000; i++) {
      tracer.spanBuilder("op-" + i).start().end();
      if (i % 10 == 9) {
        // A producer bursting faster than the disk can take: bursts of 10 while the queue alone has room for
        // them (the batch in flight may have just moved to disk, leaving only the queue's 100); the worker spills
        // from 75 queued on.
        await(() -> exporter.metrics().pending() - exporter.metrics().persisted() <= 90, "room in the queue");
      }
    }
    await(() -> exporter.metrics().persisted() > 0, "spans spilled");
    ExporterMetrics metrics = exporter.metrics();
    assertThat(metrics.dropped(DropReason.QUEUE_FULL)).as("memory full: spilled, not dropped").isZero();
    endpoint.resume();
    tracer.spanBuilder("after").start().end(); // a success pulls the files back
    await(() -> exporter.metrics().pending() == 0, "everything delivered");
    assertThat(metrics.delivered()).isEqualTo(1_001);
    assertThat(endpoint.store().items().stream().map(TelemetryItem::id).distinct().count()).isEqualTo(1_001);
    exporter.shutdown().block(WAIT);
  }

  @Test
  void aFullDiskDropsAndCounts() {
    endpoint.pause();
    AzureMonitorExporter exporter = builder().maxRetries(0).persistenceLimits(200, Duration.ofHours(1)).build();
    Tracer tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();
    spans(tracer, 20);
    await(() -> exporter.metrics().dropped(DropReason.DISK_FULL) == 20, "20 spans dropped for a full disk");
    assertThat(exporter.metrics().pending()).isZero();
    exporter.shutdown().block(WAIT);
  }

  @Test
  void aHealthyEndpointAtTenThousandSpansASecondNeverTouchesTheDisk() throws Exception {
    AzureMonitorExporter exporter = builder().build();
    Tracer tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();
    // 30,000 spans paced at 10,000 a second, in bursts of 100 every 10 ms.
    long start = System.nanoTime();
    for (int burst = 0; burst < 300; burst++) {
      spans(tracer, 100);
      long due = start + (burst + 1) * TimeUnit.MILLISECONDS.toNanos(10);
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
    }
    exporter.flush().block(WAIT);
    ExporterMetrics metrics = exporter.metrics();
    assertThat(metrics.delivered()).isEqualTo(30_000);
    assertThat(metrics.persisted()).as("spans through the disk").isZero();
    assertThat(spillFiles()).isZero();
    exporter.shutdown().block(WAIT);
  }

  @Test
  void eachDestinationHasItsOwnFolderAndNeverSendsAnothersFiles() throws Exception {
    try (LocalEndpoint elsewhere = LocalEndpoint.builder().maxStoredItems(1_000).start()) {
      // A run against an endpoint that is down leaves files for that endpoint (same key, other URL).
      elsewhere.pause();
      AzureMonitorExporter wrong = AzureMonitorExporter.builder().connectionString(elsewhere.connectionString())
          .persistenceDirectory(dir.resolve("spill")).linger(Duration.ofMillis(10)).shutdownTimeout(Duration.ofMillis(500))
          .build();
      spans(Tracer.builder().serviceName("svc").exporter(wrong).build(), 20);
      wrong.shutdown().block(WAIT);
      assertThat(wrong.metrics().persisted()).isEqualTo(20);
      Path wrongFolder = ExporterSettings.destinationFolder(dir.resolve("spill"),
          ConnectionString.parse(elsewhere.connectionString()));
      long leftForElsewhere = spillFiles();
      assertThat(leftForElsewhere).isPositive();

      // The next run, same key and root, its own endpoint: it never reads them (so its flush and shutdown never
      // wait for them), and sends only its own spans.
      AzureMonitorExporter right = builder().build();
      spans(Tracer.builder().serviceName("svc").exporter(right).build(), 5);
      right.flush().block(WAIT);
      right.shutdown().block(WAIT);
      assertThat(right.metrics().recovered()).as("another endpoint's files").isZero();
      assertThat(endpoint.store().items()).hasSize(5);
      assertThat(spillFiles()).isEqualTo(leftForElsewhere);
      try (Stream<Path> files = Files.list(wrongFolder)) {
        assertThat(files.count()).as("untouched, in their own folder").isEqualTo(leftForElsewhere);
      }
    }
  }

  @Test
  void a206WhoseBodyCannotBeReadIsResentNotCountedAsDelivered() {
    AzureMonitorExporter exporter = builder().maxBatchSize(3).linger(Duration.ofSeconds(10)).build();
    Tracer tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();
    endpoint.faults().respondRaw(206, "<html>502 Bad Gateway</html>")
        .respondRaw(206, "{\"itemsReceived\":3,\"itemsAccepted\":3}");
    spans(tracer, 3);
    exporter.flush().block(WAIT);
    ExporterMetrics metrics = exporter.metrics();
    assertThat(metrics.delivered()).isEqualTo(3);
    assertThat(metrics.retried()).as("every item, twice").isEqualTo(6);
    assertThat(endpoint.stats().requestsReceived()).isEqualTo(3);
    assertThat(endpoint.store().items()).hasSize(3);
    exporter.shutdown().block(WAIT);
  }
}
