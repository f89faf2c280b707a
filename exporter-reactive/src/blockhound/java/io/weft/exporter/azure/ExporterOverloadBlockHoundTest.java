package io.weft.exporter.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.core.Span;
import io.weft.core.Tracer;
import io.weft.core.TracerStats;
import io.weft.endpoint.EndpointStats;
import io.weft.endpoint.LocalEndpoint;
import io.weft.endpoint.TelemetryItem;
import io.weft.exporter.azure.ExporterMetrics.DropReason;
import io.weft.testing.BlockHoundExtension;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Overload, in a 256 MB heap (its own surefire execution). Two runs: with the default settings and disk spill on,
 * a mostly failing endpoint for a minute; and with spill off and small budgets, a slow endpoint.
 *
 * <p>Spill off: producers on non-blocking threads hand spans over far faster than a deliberately slow
 * endpoint takes them, against small budgets. The producers never block (BlockHound), the heap the exporter keeps
 * stays within what its budgets allow (retained size after GC, measured while it holds a full queue and its
 * in-flight batches), and the drops counted are exactly the span ids that never arrived.
 *
 * <p>The producers run on their own {@code newParallel} scheduler (non-blocking threads for BlockHound): the
 * endpoint's delays are timers on {@code Schedulers.parallel()}, which busy producers there would starve, turning
 * the slow endpoint into a stopped one.
 */
@ExtendWith(BlockHoundExtension.class)
class ExporterOverloadBlockHoundTest {
  private static final Logger logger = LoggerFactory.getLogger(ExporterOverloadBlockHoundTest.class);
  private static final Duration WAIT = Duration.ofSeconds(30);

  // The budgets: small, so that what they allow is a few MB and an unbounded queue would be far more.
  private static final int MAX_QUEUE_SIZE = 1_000;
  private static final int MAX_BATCH_SIZE = 100;
  private static final long MAX_BATCH_BYTES = 128 * 1024;
  private static final int MAX_IN_FLIGHT = 2;
  private static final long MAX_IN_FLIGHT_BYTES = 256 * 1024;

  // The slow endpoint answers each request after this delay, so it takes at most MAX_IN_FLIGHT * MAX_BATCH_SIZE
  // spans per delay: 1,000 spans/s. Two producers running flat out offer well over ten times that.
  private static final Duration ENDPOINT_DELAY = Duration.ofMillis(200);
  private static final int SLOW_REQUESTS = 1_000; // delays queued up front: more requests than the run can make
  private static final int PRODUCERS = 2;
  private static final int SPANS_PER_PRODUCER = 100_000;
  private static final int WARMUP_SPANS = 5_000;

  // Each span carries its own payload of at least this many one-byte characters: retaining every span offered
  // would keep at least SPANS * PAYLOAD_CHARS bytes (about 100 MB), many times the bound below.
  private static final int PAYLOAD_CHARS = 512;
  private static final String PADDING = "x".repeat(PAYLOAD_CHARS);

  // The bound: a generous size per queued span (its payload, attributes, context and the span object come to about
  // 1 KB), a small factor over the in-flight bytes (the batch buffer may be twice its content, plus the gzip body),
  // what the endpoint stores meanwhile (it lives in this heap), and a fixed slack for everything else.
  private static final long BYTES_PER_QUEUED_SPAN = 4 * 1024;
  private static final int IN_FLIGHT_FACTOR = 4;
  private static final long BYTES_PER_STORED_ITEM = 512; // on top of its JSON: item, ids, deque slot
  private static final long SLACK_BYTES = 4L * 1024 * 1024;

  private final Scheduler producers = Schedulers.newParallel("weft-overload-producer", PRODUCERS);

  @AfterEach
  void disposeProducers() {
    producers.dispose();
  }

  @Test
  void blockingOnAProducerThreadIsCaughtAndCountedByTheTracer() {
    assertThatThrownBy(() -> Mono.fromCallable(() -> {
      Thread.sleep(1);
      return 1;
    }).subscribeOn(producers).block(WAIT)).hasMessageContaining("Blocking call");
    assertThat(BlockHoundExtension.takeDetected()).as("the sleep, seen on a producer thread").hasSize(1);
    // The tracer shields the application from its exporters, BlockHound's error included: the overload test
    // therefore also checks the tracer's failure count.
    Tracer tracer = Tracer.builder().serviceName("svc").exporter(span -> {
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }).build();
    Mono.fromRunnable(() -> tracer.spanBuilder("op").start().end()).subscribeOn(producers).block(WAIT);
    assertThat(tracer.stats().exporterFailures()).isEqualTo(1);
    assertThat(BlockHoundExtension.takeDetected()).as("the exporter's sleep").hasSize(1);
  }

  // The default budgets (AzureMonitorExporterBuilder) and a generous size for each of their units.
  private static final int DEFAULT_QUEUE = 8192;
  private static final long DEFAULT_IN_FLIGHT_BYTES = 8L * 1024 * 1024;
  private static final long DEFAULT_BATCH_BYTES = 1024 * 1024;
  private static final long DEFAULT_DISK_BACKLOG = 4L * 1024 * 1024;
  private static final long LIMIT_WITH_DEFAULTS = 128L * 1024 * 1024;

  /**
   * Spill on, default settings, a minute: two producers flat out against an endpoint that fails nine requests in
   * ten. The disk fills to its cap, the queue stays full; producers never wait (BlockHound), the heap kept after
   * GC stays within the queue, in-flight and disk budgets, and once the endpoint heals every span is accounted for:
   * delivered (and counted by the endpoint) or dropped with its reason.
   */
  @Test
  void aMinuteOfOverloadWithSpillOnStaysWithinTheDefaultBudgets(@TempDir Path spill) throws Exception {
    Duration runFor = Duration.ofSeconds(Long.getLong("weft.overload.seconds", 60));
    try (LocalEndpoint endpoint = LocalEndpoint.builder().countOnly(true).start()) {
      endpoint.faults().failRandomly(0.9, 11, 503);
      AzureMonitorExporter exporter = AzureMonitorExporter.builder().connectionString(endpoint.connectionString())
          .persistenceDirectory(spill).build();
      Tracer tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();
      ExporterMetrics metrics = exporter.metrics();
      long baseline = heapUsedAfterGc();

      CountDownLatch done = new CountDownLatch(PRODUCERS);
      long deadline = System.nanoTime() + runFor.toNanos();
      List<Histogram> latencies = new ArrayList<>();
      AtomicLong offered = new AtomicLong();
      for (int p = 0; p < PRODUCERS; p++) {
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        latencies.add(histogram);
        int producer = p;
        producers.schedule(() -> {
          try {
            offered.addAndGet(produceUntil(tracer, producer, deadline, histogram));
          } finally {
            done.countDown();
          }
        });
      }
      List<Long> retained = new ArrayList<>();
      while (!done.await(15, TimeUnit.SECONDS)) {
        retained.add(heapUsedAfterGc() - baseline);
      }
      retained.add(heapUsedAfterGc() - baseline); // the producers are done; the exporter is still full
      long deliveredDuringRun = metrics.delivered();
      TracerStats tracerStats = tracer.stats();
      assertThat(tracerStats.exporterFailures()).as("export() threw (BlockHound?)").isZero();
      assertThat(tracerStats.internalFailures()).isZero();
      assertThat(deliveredDuringRun * 10).as("offered more than ten times what was delivered")
          .isLessThan(offered.get());

      long bound = DEFAULT_QUEUE * BYTES_PER_QUEUED_SPAN + IN_FLIGHT_FACTOR * (DEFAULT_IN_FLIGHT_BYTES
          + DEFAULT_BATCH_BYTES) + 2 * DEFAULT_DISK_BACKLOG + SLACK_BYTES;
      long maxRetained = retained.stream().mapToLong(Long::longValue).max().orElseThrow();
      Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
      latencies.forEach(all::add);
      logger.info("spill on, defaults, {} s: offered {} spans, delivered {} meanwhile; heap kept after GC {} MB "
          + "(samples {} KB; bound {} MB); end() latency p50 {} ns, p99 {} ns, p99.9 {} ns, p99.99 {} ns, max {} "
          + "us; {}", runFor.toSeconds(), offered.get(), deliveredDuringRun, maxRetained >> 20,
          retained.stream().map(r -> r >> 10).toList(), bound >> 20, all.getValueAtPercentile(50),
          all.getValueAtPercentile(99), all.getValueAtPercentile(99.9), all.getValueAtPercentile(99.99),
          all.getMaxValue() / 1000, metrics);
      assertThat(maxRetained).as("heap kept while overloaded, against the budgets").isLessThan(bound)
          .isLessThan(LIMIT_WITH_DEFAULTS);
      assertThat(metrics.persisted()).as("the failing endpoint made it spill").isPositive();

      // The endpoint heals: everything on disk and in memory is delivered; the rest was dropped, with a reason.
      endpoint.faults().clear();
      long healDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (metrics.pending() > 0 || spillFiles(spill) > 0) {
        assertThat(System.nanoTime()).as("healed in time: %s", metrics).isLessThan(healDeadline);
        exporter.flush().block(WAIT);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
      exporter.shutdown().block(WAIT);
      assertThat(metrics.handedOver()).isEqualTo(offered.get());
      assertThat(metrics.delivered() + metrics.dropped()).isEqualTo(metrics.handedOver());
      assertThat(metrics.recovered()).as("its own files count as its own").isZero();
      assertThat(endpoint.stats().itemsAccepted()).as("the endpoint counted what was delivered")
          .isEqualTo(metrics.delivered());
      assertThat(metrics.dropped()).isEqualTo(metrics.dropped(DropReason.QUEUE_FULL)
          + metrics.dropped(DropReason.DISK_FULL) + metrics.dropped(DropReason.DISK_BACKLOG));
      assertThat(metrics.internalFailures()).isZero();
      logger.info("healed: {}", metrics);
    }
  }

  private static long produceUntil(Tracer tracer, int producer, long deadline, Histogram latencies) {
    long count = 0;
    while (System.nanoTime() - deadline < 0) {
      for (int i = 0; i < 1_000; i++, count++) {
        Span span = tracer.spanBuilder("overload").attribute("payload", PADDING + producer + ':' + count).start();
        long start = System.nanoTime();
        span.end();
        latencies.recordValue(Math.min(System.nanoTime() - start, latencies.getHighestTrackableValue()));
      }
    }
    return count;
  }

  private static long spillFiles(Path root) throws Exception {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(f -> f.toString().endsWith(".spill")).count();
    }
  }

  @Test
  void overloadNeverBlocksKeepsOnlyTheBudgetsAndDropsExactlyTheMissingIds() {
    try (LocalEndpoint endpoint = LocalEndpoint.builder().maxStoredItems(250_000).start()) {
      AzureMonitorExporter exporter = AzureMonitorExporter.builder().connectionString(endpoint.connectionString())
          .persistenceDisabled().maxQueueSize(MAX_QUEUE_SIZE).maxBatchSize(MAX_BATCH_SIZE)
          .maxBatchBytes(MAX_BATCH_BYTES).maxInFlight(MAX_IN_FLIGHT).maxInFlightBytes(MAX_IN_FLIGHT_BYTES)
          .linger(Duration.ofMillis(20)).backoff(Duration.ofMillis(5), Duration.ofMillis(50)).build();
      try {
        Tracer tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();
        run(endpoint, exporter, tracer);
      } finally {
        exporter.shutdown().block(WAIT);
      }
    }
  }

  private void run(LocalEndpoint endpoint, AzureMonitorExporter exporter, Tracer tracer) {
    ExporterMetrics metrics = exporter.metrics();
    // Warm up against the fast endpoint (classes, JIT, connections, buffers), so the baseline includes them.
    long[] warmup = new long[WARMUP_SPANS];
    produceOnProducerThreads(tracer, new long[][] {warmup});
    exporter.flush().block(WAIT);
    assertThat(metrics.pending()).isZero();
    long handedOverBefore = metrics.handedOver();
    long deliveredBefore = metrics.delivered();
    long droppedBefore = metrics.dropped();
    long queueFullBefore = metrics.dropped(DropReason.QUEUE_FULL);
    endpoint.store().clear();

    // Everything the run needs is allocated before the baseline: the id arrays and the endpoint's planned delays.
    long[][] ids = new long[PRODUCERS][SPANS_PER_PRODUCER];
    for (int i = 0; i < SLOW_REQUESTS; i++) {
      endpoint.faults().delay(ENDPOINT_DELAY);
    }
    EndpointStats endpointBefore = endpoint.stats();
    long baseline = heapUsedAfterGc();

    long start = System.nanoTime();
    produceOnProducerThreads(tracer, ids);
    long producedNanos = System.nanoTime() - start;
    long offered = (long) PRODUCERS * SPANS_PER_PRODUCER;
    TracerStats tracerStats = tracer.stats();
    assertThat(tracerStats.exporterFailures()).as("export() threw (BlockHound?)").isZero();
    assertThat(tracerStats.internalFailures()).isZero();
    long acceptedWhileProducing = endpoint.stats().itemsAccepted() - endpointBefore.itemsAccepted();
    assertThat(acceptedWhileProducing * 10).as("the producers outpace the endpoint more than tenfold")
        .isLessThan(offered);

    // The producers are done and the endpoint is still behind: the exporter holds a full queue and its batches.
    long pendingBeforeGc = metrics.pending();
    long retained = heapUsedAfterGc() - baseline;
    long pendingAfterGc = metrics.pending();
    EndpointStats endpointNow = endpoint.stats();
    long stored = endpointNow.itemsAccepted() - endpointBefore.itemsAccepted();
    long storedBytes = endpointNow.bytesInflated() - endpointBefore.bytesInflated();
    long bound = MAX_QUEUE_SIZE * BYTES_PER_QUEUED_SPAN + IN_FLIGHT_FACTOR * (MAX_IN_FLIGHT_BYTES + MAX_BATCH_BYTES)
        + storedBytes + stored * BYTES_PER_STORED_ITEM + SLACK_BYTES;
    logger.info("offered {} spans in {} ms on {} producers; endpoint accepted {} meanwhile; pending {} -> {} "
        + "during GC; retained {} KB, bound {} KB ({} KB of it stored by the endpoint)", offered,
        producedNanos / 1_000_000, PRODUCERS, acceptedWhileProducing, pendingBeforeGc, pendingAfterGc,
        retained / 1024, bound / 1024, (storedBytes + stored * BYTES_PER_STORED_ITEM) / 1024);
    assertThat(offered * PAYLOAD_CHARS).as("keeping every span offered would break the bound several times over")
        .isGreaterThan(5 * bound);
    assertThat(retained).as("heap kept with a full queue and full send slots").isLessThan(bound);

    // Let the endpoint catch up.
    endpoint.faults().clear();
    exporter.flush().block(WAIT);
    long handedOver = metrics.handedOver() - handedOverBefore;
    long delivered = metrics.delivered() - deliveredBefore;
    long dropped = metrics.dropped() - droppedBefore;
    long queueFull = metrics.dropped(DropReason.QUEUE_FULL) - queueFullBefore;
    assertThat(handedOver).isEqualTo(offered);
    assertThat(metrics.pending()).isZero();
    assertThat(metrics.internalFailures()).as("failures on the exporter's own threads").isZero();
    assertThat(delivered + dropped).isEqualTo(handedOver);
    assertThat(dropped).as("every drop is QUEUE_FULL").isEqualTo(queueFull);

    long[] offeredIds = sortedDistinct(ids);
    assertThat((long) offeredIds.length).as("span ids are unique").isEqualTo(offered);
    List<TelemetryItem> items = endpoint.store().items();
    long[] storedIds = new long[items.size()];
    for (int i = 0; i < storedIds.length; i++) {
      storedIds[i] = Long.parseUnsignedLong(Objects.requireNonNull(items.get(i).id(), "id"), 16);
    }
    Arrays.sort(storedIds);
    assertThat(Arrays.stream(storedIds).distinct().count()).as("no id arrives twice").isEqualTo(storedIds.length);
    assertThat(Arrays.stream(storedIds).filter(id -> Arrays.binarySearch(offeredIds, id) < 0).count())
        .as("ids nobody offered").isZero();
    assertThat((long) storedIds.length).isEqualTo(delivered);
    long missing = Arrays.stream(offeredIds).filter(id -> Arrays.binarySearch(storedIds, id) < 0).count();
    assertThat(queueFull).as("QUEUE_FULL drops equal the offered ids that never arrived").isEqualTo(missing)
        .isPositive();
    logger.info("delivered {}, dropped {} (QUEUE_FULL), endpoint requests {}", delivered, queueFull,
        endpoint.stats().requestsReceived() - endpointBefore.requestsReceived());
  }

  /**
   * Ends {@code ids[p].length} spans on producer {@code p}, each with its own payload, recording their span ids;
   * one task per producer, on the non-blocking producer scheduler. Fails if a producer failed or took too long.
   */
  private void produceOnProducerThreads(Tracer tracer, long[][] ids) {
    List<Integer> ended = Flux.range(0, ids.length)
        .flatMap(p -> Mono.fromCallable(() -> produce(tracer, p, ids[p])).subscribeOn(producers))
        .collectList()
        .block(WAIT);
    assertThat(ended).as("spans ended per producer").hasSize(ids.length)
        .allSatisfy(count -> assertThat(count).isEqualTo(ids[0].length));
  }

  private static int produce(Tracer tracer, int producer, long[] ids) {
    for (int i = 0; i < ids.length; i++) {
      Span span = tracer.spanBuilder("overload").attribute("payload", PADDING + producer + ':' + i).start();
      ids[i] = span.context().spanIdLong();
      span.end();
    }
    return ids.length;
  }

  private static long[] sortedDistinct(long[][] ids) {
    return Arrays.stream(ids).flatMapToLong(Arrays::stream).sorted().distinct().toArray();
  }

  /**
   * The heap in use right after a full collection: {@code System.gc()} (asked again, at most five times, until the
   * collector reports that it ran: a collection may be put off while native code holds arrays, as deflate does),
   * then what each heap pool held after it.
   */
  private static long heapUsedAfterGc() {
    long collections = collections();
    for (int i = 0; i < 5; i++) {
      System.gc();
      if (collections() > collections) {
        break;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
        used += pool.getCollectionUsage().getUsed();
      }
    }
    return used;
  }

  private static long collections() {
    long count = 0;
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      count += Math.max(0, collector.getCollectionCount());
    }
    return count;
  }
}
