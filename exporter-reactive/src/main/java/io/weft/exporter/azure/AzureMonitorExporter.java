package io.weft.exporter.azure;

import io.weft.core.export.SpanData;
import io.weft.core.export.SpanExporter;
import io.weft.core.instrumentation.FailureLog;
import io.weft.exporter.azure.ExporterMetrics.DropReason;
import java.net.URI;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Exports spans to Azure Monitor Application Insights: the Java counterpart of OpenCensus Python's {@code
 * AzureExporter(connection_string=…)}.
 *
 * <pre>{@code
 * AzureMonitorExporter exporter = AzureMonitorExporter.builder()
 *     .connectionString("InstrumentationKey=…;IngestionEndpoint=https://…/")
 *     .build();
 * Tracer tracer = Tracer.builder().exporter(exporter).build();
 * }</pre>
 *
 * <p>A pipeline of small stages, each with one job and its own threading rule: {@link #export} puts the span on
 * the bounded, lock-free {@link SpanQueue} and returns (never blocks, never throws; a full queue drops the span as
 * {@code QUEUE_FULL}); the {@link ExportWorker} pulls batches when a send slot is free, {@link BatchEncoder} and
 * {@link EnvelopeMapper} write them as envelopes, {@link Gzip} and the {@link Sender} post them from the parallel
 * scheduler, {@link ResponseClassifier} reads the answer per item, {@link RetrySchedule} says when to try again,
 * {@link DiskStage} and {@link SpillStore} keep what is at risk on disk while the endpoint is failing, and {@link
 * Accounting} counts every span's fate in {@link #metrics()}.
 *
 * <p>Durability: while the endpoint accepts everything, nothing touches the disk. Once a request fails, the failed
 * batch is written to disk before it waits to retry, and the queue follows at least every 250 ms while the
 * endpoint keeps failing, so a crash loses at most what was handed over in that last interval; the next process
 * (or this one, once the endpoint is back) resends the files, oldest first.
 *
 * <p>Thread-safe. {@link #export} from any thread, including event loops.
 */
public final class AzureMonitorExporter implements SpanExporter {
  private static final Logger logger = LoggerFactory.getLogger(AzureMonitorExporter.class);

  private final ExporterSettings settings;
  private final SpanQueue queue;
  private final ExporterMetrics metrics;
  private final SpanEncoder encoder;
  private final Sender sender;
  private final Gzip.Pool gzips;
  private final Scheduler scheduler;
  private final ExportWorker worker;
  private volatile boolean closed;
  private volatile @Nullable Mono<Void> shutdownResult;
  private final Object shutdownLock = new Object();
  // The JVM shutdown hook registered for this exporter, if any; removed by an explicit shutdown.
  private volatile @Nullable Thread shutdownHook;

  /** The exporter of {@code settings}, with the real mapping, sender and threads. */
  static AzureMonitorExporter create(ExporterSettings settings) {
    return new AzureMonitorExporter(settings, new NettySender(settings),
        new EnvelopeMapper(settings.connectionString().instrumentationKey()), ExporterThreads.real());
  }

  /**
   * The seam for tests and benchmarks: any sender (a fake that answers in memory), any span encoder, any threads
   * and clocks (virtual time, say).
   */
  // Visible for testing
  AzureMonitorExporter(ExporterSettings settings, Sender sender, SpanEncoder encoder, ExporterThreads threads) {
    this.settings = settings;
    this.queue = new SpanQueue(settings.maxQueueSize());
    this.metrics = new ExporterMetrics(queue::handedOver);
    this.encoder = encoder;
    this.sender = sender;
    this.scheduler = threads.worker();
    FailureLog sendLog = new FailureLog(logger, "Application Insights export failed");
    FailureLog dropLog = new FailureLog(logger, "Application Insights rejected telemetry");
    this.gzips = new Gzip.Pool(settings.gzipLevel(), settings.maxInFlight() + 2);
    BatchEncoder batches = new BatchEncoder(encoder, metrics, sendLog, settings.maxBatchSize(),
        settings.maxBatchBytes());
    Scheduler.Worker serial = scheduler.createWorker();
    DiskStage disk = null;
    ExporterSettings.Spill spill = settings.spill();
    if (spill != null) {
      SpillStore store = new SpillStore(spill.directory(), spill.maxBytes(), spill.retention(), threads.clock());
      if (store.enabled()) {
        disk = new DiskStage(store, gzips, spill.maxBacklogBytes(), threads.io(), this::onWorker, metrics, sendLog);
      }
    }
    DiskStage stage = disk;
    this.worker = new ExportWorker(settings, queue, batches, sender, gzips, metrics, serial, threads, sendLog,
        dropLog, logger, parts -> stage == null || spill == null
            ? new Durability.None(queue, parts.accounting(), metrics, logger)
            : new DiskDurability(stage, parts.accounting(), queue, parts.encoder(), parts.buffers(), parts.slots(),
                parts.worker(), parts.pass(), settings, spill));
    this.worker.start(); // only now: disk answers come back through this.worker
    URI trackUrl = settings.connectionString().trackUrl();
    if (!IngestionUrls.isLoopback(trackUrl) && "http".equalsIgnoreCase(trackUrl.getScheme())) {
      logger.warn("Application Insights exporter sends plain http to a non-loopback host: {}", trackUrl.getHost());
    }
  }

  private void onWorker(Runnable task) {
    worker.onWorker(task);
  }

  /** A builder; a connection string is required. */
  public static AzureMonitorExporterBuilder builder() {
    return new AzureMonitorExporterBuilder();
  }

  /** The counters: handed over, delivered, dropped by reason, pending, persisted, retried. */
  public ExporterMetrics metrics() {
    return metrics;
  }

  /** Whether a JVM shutdown hook will shut this exporter down at exit. */
  public boolean hasShutdownHook() {
    return shutdownHook != null;
  }

  /** The connection string in use (key masked in its {@code toString}). */
  public ConnectionString connectionString() {
    return settings.connectionString();
  }

  /** Where it sends, for logs: the ingestion endpoint and the masked key. */
  @Override
  public String toString() {
    ConnectionString target = settings.connectionString();
    return "Application Insights at " + target.ingestionEndpoint() + " (InstrumentationKey " + target.maskedKey()
        + ")";
  }

  /** Truncations and oversize drops by field, so far. */
  public Map<String, Long> truncations() {
    return encoder instanceof EnvelopeMapper mapper ? mapper.truncations() : Map.of();
  }

  @Override
  public void export(SpanData span) {
    if (closed) {
      queue.refuse();
      metrics.recordDropped(DropReason.SHUTDOWN, 1);
      return;
    }
    int size = queue.offer(span);
    if (size < 0) {
      metrics.recordDropped(DropReason.QUEUE_FULL, 1);
      return;
    }
    worker.onQueued(size);
  }

  /**
   * Completes when every span handed over before the call is delivered, dropped, or safely on disk (when the
   * endpoint is failing and persistence is on). Never fails.
   */
  @Override
  public Mono<Void> flush() {
    return worker.flush();
  }

  /**
   * Flushes within the shutdown timeout (default 5 s), then writes what is left to disk (or, with persistence off,
   * drops it as {@code SHUTDOWN}), within the same timeout again, and releases the connection pool and the worker.
   * Spans handed over afterwards are dropped and counted. Every call shares the first one's completion.
   */
  @Override
  public Mono<Void> shutdown() {
    Mono<Void> result = shutdownResult;
    if (result == null) {
      synchronized (shutdownLock) {
        result = shutdownResult;
        if (result == null) {
          result = shutdownOnce().cache();
          shutdownResult = result;
        }
      }
    }
    return result;
  }

  private Mono<Void> shutdownOnce() {
    return Mono.defer(() -> {
      closed = true;
      Thread hook = shutdownHook;
      if (hook != null && Thread.currentThread() != hook) {
        shutdownHook = null;
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
          // the JVM is exiting: the hook runs (or ran) anyway
        }
      }
      return worker.flush().timeout(settings.shutdownTimeout(), Mono.empty(), scheduler)
          .then(worker.stop(settings.shutdownTimeout(), scheduler))
          .then(sender.close().onErrorResume(e -> Mono.empty()))
          .doFinally(signal -> {
            // The last signal may come on an event loop (the sender's close): shut the worker's thread down without
            // waiting for it (Reactor's dispose() parks until the thread has ended).
            scheduler.disposeGracefully().subscribe(null, error -> { });
            gzips.close();
          });
    });
  }

  /** Registers the JVM shutdown hook that {@link AzureMonitorExporterBuilder#shutdownHook} asks for. */
  void registerShutdownHook() {
    Thread hook = new Thread(() -> shutdown().block(settings.shutdownTimeout().multipliedBy(2).plusSeconds(5)),
        "weft-exporter-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    shutdownHook = hook;
  }
}
