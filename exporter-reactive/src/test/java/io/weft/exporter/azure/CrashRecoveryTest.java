package io.weft.exporter.azure;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.Tracer;
import io.weft.core.instrumentation.FailureLog;
import io.weft.endpoint.LocalEndpoint;
import io.weft.endpoint.TelemetryItem;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Crashes for real: child JVMs with the default settings, killed with {@code kill -9}, and a second JVM on the same
 * spill folder; span ids (a {@code seq} attribute) are counted at the endpoint.
 */
class CrashRecoveryTest {
  private static final Logger logger = LoggerFactory.getLogger(CrashRecoveryTest.class);
  static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path root;
  final LocalEndpoint endpoint = LocalEndpoint.builder().maxStoredItems(100_000).start();

  @AfterEach
  void close() {
    endpoint.close();
  }

  Map<Long, Integer> seqsAtEndpoint() {
    Map<Long, Integer> seen = new HashMap<>();
    for (TelemetryItem item : endpoint.store().items()) {
      String seq = item.property("seq");
      if (seq != null) {
        seen.merge(Long.parseLong(seq), 1, Integer::sum);
      }
    }
    return seen;
  }

  List<Path> spillFiles() throws Exception {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(f -> f.toString().endsWith(SpillStore.SUFFIX)).sorted().toList();
    }
  }

  /** Whether another process holds {@code file}'s lock now. */
  static boolean heldByAnotherProcess(Path file) throws Exception {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock lock = channel.tryLock();
      if (lock == null) {
        return true;
      }
      lock.release();
      return false;
    }
  }

  /** Killed 1.5 s into the outage (first retries still waiting) and 6 s in (the queue has gone to disk 20 times). */
  @ParameterizedTest(name = "killed after {0} spans")
  @ValueSource(ints = {3_000, 12_000})
  void killDashNineDuringAnOutageLosesAtMostTheLastSecond(int killAfter) throws Exception {
    endpoint.pause();
    long handedAtKill;
    long safe;
    int leasedAtKill = 0;
    try (ChildProcess producer = ChildProcess.start(CrashChild.class, "produce", endpoint.connectionString(),
        root.toString(), "2000", "100000")) {
      ChildProcess.Line last = producer.await("handed " + killAfter, WAIT);
      for (Path file : spillFiles()) {
        if (heldByAnotherProcess(file)) {
          leasedAtKill++;
        }
      }
      long killedAt = System.nanoTime();
      producer.kill();
      handedAtKill = Long.parseLong(last.text().substring("handed ".length()));
      // Every span the child reported more than a second before the kill must survive it. A report is read after
      // it was printed, so this under-states what the child had handed over by then: the check is conservative.
      safe = 0;
      for (ChildProcess.Line line : producer.lines()) {
        if (line.text().startsWith("handed ") && killedAt - line.nanos() >= TimeUnit.SECONDS.toNanos(1)) {
          safe = Long.parseLong(line.text().substring("handed ".length()));
        }
      }
    }
    List<Path> left = spillFiles();
    assertThat(left).as("the outage put spans on disk").isNotEmpty();
    assertThat(leasedAtKill).as("batches waiting to retry held their files when the process died").isPositive();

    endpoint.resume();
    try (ChildProcess recovery = ChildProcess.start(CrashChild.class, "recover", endpoint.connectionString(),
        root.toString())) {
      ChildProcess.Line result = recovery.await("recovered ", WAIT);
      assertThat(recovery.waitFor(WAIT)).as(result.text()).isZero();
      logger.info("{} spans handed over at the kill, {} of them over a second before it; {} files on disk, {} "
          + "leased by the dead process; next run: {}", handedAtKill, safe, left.size(), leasedAtKill,
          result.text());
    }
    Map<Long, Integer> seen = seqsAtEndpoint();
    assertThat(seen.values()).as("nothing delivered twice").allMatch(count -> count == 1);
    TreeSet<Long> missing = new TreeSet<>();
    for (long seq = 0; seq < safe; seq++) {
      if (!seen.containsKey(seq)) {
        missing.add(seq);
      }
    }
    assertThat(missing).as("spans handed over more than a second before the kill").isEmpty();
    long lost = handedAtKill - seen.keySet().stream().filter(seq -> seq < handedAtKill).count();
    logger.info("delivered {} of {} spans handed over at the kill: lost {} (at 2,000 spans/s, {} ms of spans)",
        seen.size(), handedAtKill, lost, lost / 2);
    assertThat(lost).isLessThanOrEqualTo(handedAtKill - safe + 100);
    assertThat(spillFiles()).isEmpty();
  }

  @Test
  void aFileHeldByALiveProcessIsSentOnlyAfterThatProcessDies() throws Exception {
    ConnectionString target = ConnectionString.parse(endpoint.connectionString());
    Path folder = ExporterSettings.destinationFolder(root, target);
    SpillStore store = new SpillStore(folder, 1 << 20, Duration.ofHours(1), java.time.Clock.systemUTC());
    // One real envelope, as the exporter writes it, in a file that a live process then holds.
    io.weft.core.export.InMemorySpanExporter recorder = io.weft.core.export.InMemorySpanExporter.create();
    Tracer.builder().serviceName("earlier").exporter(recorder).build().spanBuilder("left-by-a-live-process").start()
        .end();
    SpanQueue queue = new SpanQueue(1);
    queue.offer(recorder.spans().get(0));
    Batch batch = Objects.requireNonNull(new BatchEncoder(new EnvelopeMapper(endpoint.instrumentationKey()),
        new ExporterMetrics(queue::handedOver), new FailureLog(logger, "test"), 10, 1 << 20)
        .next(queue, new BatchBuffer(1024)));
    Gzip gzip = new Gzip(1);
    SpillStore.Lease written = Objects.requireNonNull(store.write(store.newName(), gzip.compress(batch),
        batch.spanTable(), false));
    gzip.end();

    try (ChildProcess holder = ChildProcess.start(CrashChild.class, "hold", written.file().toString())) {
      holder.await("locked", WAIT);
      AzureMonitorExporter exporter = AzureMonitorExporter.builder().connectionString(target)
          .persistenceDirectory(root).backoff(Duration.ofMillis(200), Duration.ofSeconds(1)).build();
      Tracer tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();
      tracer.spanBuilder("alive").start().end();
      exporter.flush().block(WAIT);
      endpoint.store().await(1, WAIT);
      assertThat(endpoint.store().items()).extracting(TelemetryItem::name).containsExactly("alive");
      assertThat(written.file()).as("held by a live process: not taken").exists();
      holder.kill();
      // Its lease died with it: the running exporter takes the file within its retry interval.
      List<TelemetryItem> items = endpoint.store().await(2, WAIT);
      assertThat(items).extracting(TelemetryItem::name).containsExactlyInAnyOrder("alive", "left-by-a-live-process");
      PersistenceTest.await(() -> exporter.metrics().recoveredDelivered() == 1, "the answer counted");
      exporter.shutdown().block(WAIT);
    }
    assertThat(spillFiles()).isEmpty();
  }
}
