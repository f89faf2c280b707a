package io.weft.exporter.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.core.Tracer;
import io.weft.exporter.azure.ExporterMetrics.DropReason;
import io.weft.exporter.azure.Sender.Response;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The worker's timing and the disk policy, in virtual time: a fake sender answers in memory, compression and disk
 * I/O run inline, so every step happens when the test advances the clock, and nothing else.
 */
class PipelineTest {
  static final long EPOCH_MILLIS = Instant.parse("2026-12-05T10:00:00Z").toEpochMilli();

  @TempDir Path dir;
  final VirtualTimeScheduler time = VirtualTimeScheduler.create();
  final Clock clock = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(EPOCH_MILLIS + time.now(TimeUnit.MILLISECONDS));
    }
  };
  final ExporterThreads threads = new ExporterThreads(time, Schedulers.immediate(), Schedulers.immediate(),
      () -> time.now(TimeUnit.NANOSECONDS), clock, new Random(7));
  // Answers from the script first, then 200; while `down`, every request fails with 503.
  final ConcurrentLinkedQueue<Response> script = new ConcurrentLinkedQueue<>();
  final AtomicBoolean down = new AtomicBoolean();
  final FakeSender sender = FakeSender.accepting().withResponder(request -> {
    if (down.get()) {
      return FakeSender.status(503);
    }
    Response next = script.poll();
    return Mono.just(next != null ? next : FakeSender.accept(request));
  });
  AzureMonitorExporter exporter;
  Tracer tracer;

  AzureMonitorExporterBuilder builder() {
    return AzureMonitorExporter.builder()
        .connectionString("InstrumentationKey=00000000-0000-0000-0000-000000000000;"
            + "IngestionEndpoint=https://ingest.example/")
        .persistenceDirectory(dir).linger(Duration.ofSeconds(5)).backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
  }

  void start(AzureMonitorExporterBuilder builder) {
    exporter = ExporterFixtures.withSender(builder, sender, threads);
    tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();
  }

  void spans(int count) {
    for (int i = 0; i < count; i++) {
      tracer.spanBuilder("op-" + i).start().end();
    }
  }

  /** Sends what is queued now, in one batch, without waiting for its linger. */
  void sendNow() {
    exporter.flush().subscribe();
  }

  void advance(Duration duration) {
    time.advanceTimeBy(duration);
  }

  List<Path> files() throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(f -> f.toString().endsWith(".spill")).sorted().toList();
    }
  }

  static boolean lockedHere(Path file) throws Exception {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      channel.tryLock().release();
      return false;
    } catch (OverlappingFileLockException heldByThisJvm) {
      return true;
    }
  }

  @AfterEach
  void shutdown() {
    if (exporter != null) {
      exporter.shutdown().subscribe();
      advance(Duration.ofMinutes(1));
    }
    time.dispose();
  }

  @Test
  void aPartialBatchWaitsItsLingerAFullOneGoesAtOnce() {
    start(builder().linger(Duration.ofSeconds(5)).maxBatchSize(10));
    spans(3);
    advance(Duration.ofMillis(4_999));
    assertThat(sender.requestCount()).isZero();
    advance(Duration.ofMillis(1));
    assertThat(sender.requests()).singleElement().extracting(r -> r.envelopes().size()).isEqualTo(3);
    spans(25);
    assertThat(sender.requestCount()).as("two full batches at once").isEqualTo(3);
    advance(Duration.ofSeconds(5));
    assertThat(sender.requestCount()).isEqualTo(4);
    assertThat(exporter.metrics().delivered()).isEqualTo(28);
  }

  @Test
  void aRetryWaitsForRetryAfter() {
    start(builder());
    script.add(new Response(503, "7", null, ""));
    spans(2);
    sendNow();
    assertThat(sender.requestCount()).isEqualTo(1);
    advance(Duration.ofMillis(6_999));
    assertThat(sender.requestCount()).isEqualTo(1);
    advance(Duration.ofMillis(1));
    assertThat(sender.requestCount()).isEqualTo(2);
    assertThat(exporter.metrics().delivered()).isEqualTo(2);
    assertThat(exporter.metrics().retried()).isEqualTo(2);
  }

  @Test
  void aHealthyEndpointNeverTouchesTheDisk() throws Exception {
    start(builder().maxInFlight(2).maxBatchSize(100));
    script.add(new Response(206, null, null, "{\"itemsReceived\":100,\"itemsAccepted\":99,\"errors\":["
        + "{\"index\":3,\"statusCode\":429,\"message\":\"throttled\"}]}"));
    spans(10_000);
    advance(Duration.ofMinutes(1));
    ExporterMetrics metrics = exporter.metrics();
    assertThat(metrics.delivered()).isEqualTo(10_000);
    assertThat(metrics.persisted()).as("a throttled item is retried in memory").isZero();
    assertThat(files()).isEmpty();
  }

  @Test
  void aFailedBatchIsOnDiskBeforeItWaitsToRetry() throws Exception {
    start(builder());
    down.set(true);
    spans(5);
    sendNow();
    ExporterMetrics metrics = exporter.metrics();
    assertThat(sender.requestCount()).isEqualTo(1);
    assertThat(metrics.persisted()).isEqualTo(5);
    assertThat(metrics.pending()).isEqualTo(5);
    List<Path> files = files();
    assertThat(files).hasSize(1);
    assertThat(lockedHere(files.get(0))).as("leased while it waits in memory").isTrue();
    down.set(false);
    advance(Duration.ofMinutes(1));
    assertThat(metrics.delivered()).isEqualTo(5);
    assertThat(files()).as("deleted once delivered").isEmpty();
  }

  @Test
  void whileFailingTheQueueGoesToDiskEveryDrainInterval() throws Exception {
    start(builder().maxInFlight(1).maxBatchSize(100));
    down.set(true);
    spans(1);
    sendNow();
    assertThat(exporter.metrics().persisted()).isEqualTo(1);
    spans(10); // the slot is busy retrying: these wait in the queue
    advance(Duration.ofMillis(249));
    assertThat(exporter.metrics().persisted()).isEqualTo(1);
    advance(Duration.ofMillis(1));
    assertThat(exporter.metrics().persisted()).isEqualTo(11);
    assertThat(files()).hasSize(2);
    assertThat(lockedHere(files().get(1))).as("queued spans are not in memory any more").isFalse();
  }

  @Test
  void outOfRetriesABatchLeavesMemoryForItsFileAndComesBackWithTheEndpoint() throws Exception {
    start(builder().maxRetries(2));
    down.set(true);
    spans(4);
    sendNow();
    advance(Duration.ofSeconds(10)); // 1 s then 2 s at most: both retries used
    ExporterMetrics metrics = exporter.metrics();
    assertThat(sender.requestCount()).as("3 attempts, then its file is tried again now and then")
        .isGreaterThanOrEqualTo(3);
    assertThat(metrics.dropped()).isZero();
    assertThat(metrics.pending()).isEqualTo(4);
    List<Path> files = files();
    assertThat(files).hasSize(1);
    down.set(false);
    advance(Duration.ofMinutes(1));
    assertThat(metrics.delivered()).isEqualTo(4);
    assertThat(metrics.recovered()).as("its own file: counted as its own spans").isZero();
    assertThat(files()).isEmpty();
  }

  @Test
  void a206ThatCannotBeTrustedResendsEveryItem() {
    start(builder());
    script.add(new Response(206, null, null, "<html>proxy error</html>"));
    script.add(new Response(206, null, null, "{\"itemsReceived\":9,\"itemsAccepted\":9,\"errors\":[]}"));
    spans(3);
    sendNow();
    advance(Duration.ofMinutes(1));
    ExporterMetrics metrics = exporter.metrics();
    assertThat(metrics.delivered()).isEqualTo(3);
    assertThat(metrics.retried()).isEqualTo(6);
    assertThat(sender.requestCount()).isEqualTo(3);
    assertThat(sender.envelopes()).hasSize(9);
  }

  @Test
  void persistenceOffDropsWhatOutlastsItsRetries() {
    start(builder().persistenceDisabled().maxRetries(1));
    down.set(true);
    spans(3);
    sendNow();
    advance(Duration.ofMinutes(1));
    assertThat(exporter.metrics().dropped(DropReason.RETRIES_EXHAUSTED)).isEqualTo(3);
    assertThat(exporter.metrics().pending()).isZero();
  }

  @Test
  void shutdownPutsWhatIsLeftOnDiskWithinItsDeadline() throws Exception {
    start(builder().linger(Duration.ofSeconds(30)).shutdownTimeout(Duration.ofSeconds(2)));
    down.set(true);
    spans(1);
    sendNow();
    spans(20); // queued, lingering
    AtomicBoolean done = new AtomicBoolean();
    exporter.shutdown().subscribe(null, null, () -> done.set(true));
    advance(Duration.ofSeconds(4));
    assertThat(done).isTrue();
    ExporterMetrics metrics = exporter.metrics();
    assertThat(metrics.persisted()).isEqualTo(21);
    assertThat(metrics.pending()).isEqualTo(21);
    assertThat(metrics.dropped()).isZero();
    for (Path file : files()) {
      assertThat(lockedHere(file)).as("every lease given back").isFalse();
    }
    spans(2);
    assertThat(metrics.dropped(DropReason.SHUTDOWN)).isEqualTo(2);
    exporter = null;
  }

  @Test
  void aSenderThatThrowsIsAFailedRequestNotALostBatch() {
    FakeSender throwing = FakeSender.accepting().withResponder(request -> {
      throw new IllegalStateException("bug in a sender");
    });
    exporter = ExporterFixtures.withSender(builder().persistenceDisabled().maxRetries(2), throwing, threads);
    tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();
    spans(1);
    sendNow();
    advance(Duration.ofMinutes(1));
    assertThat(exporter.metrics().dropped(DropReason.RETRIES_EXHAUSTED)).isEqualTo(1);
    assertThat(throwing.requestCount()).isEqualTo(3);
  }

  @Test
  void builderFailsFastNamingTheSetting() {
    assertThatThrownBy(() -> AzureMonitorExporter.builder().persistenceBacklog(0))
        .hasMessage("persistence backlog must be positive: 0");
  }
}
