package io.weft.exporter.azure;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.weft.core.WeftConfig;
import io.weft.core.export.SpanData;
import io.weft.core.export.SpanExporter;
import io.weft.core.internal.FailureLog;
import io.weft.exporter.azure.ExporterMetrics.DropReason;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.Deflater;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.util.concurrent.Queues;

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
 * <p>Pipeline: {@link #export} puts the span on a bounded lock-free queue and returns (never blocks, never throws;
 * when the queue is full the span is dropped and counted as {@code QUEUE_FULL}). One serial worker pulls spans only
 * when a send slot and byte budget are free, maps and encodes them (gzip NDJSON), and posts batches with
 * reactor-netty. Responses follow rules 8–9 of {@code spec/appinsights-ingestion.md}: 200 delivered; 206 resends only
 * retryable items ("Telemetry sampled out." counts as accepted); 307/308 followed and remembered; 400/404/4xx
 * rejected and 402/439 quota, both dropped and counted; 408, 429, 5xx, 401, 403, connection errors and timeouts
 * retried with exponential backoff and full jitter, honouring {@code Retry-After} (seconds or HTTP-date). A batch
 * waiting for a retry keeps its send slot, so memory stays bounded by the queue plus the in-flight budget while the
 * endpoint is down. Every span is accounted for in {@link #metrics()}.
 *
 * <p>Disk spill (rule 11, on by default): batches whose retries are exhausted, and whatever is left at shutdown,
 * are written to the spill directory ({@link DiskSpill}, all file I/O on bounded-elastic) and resent oldest first
 * after the next successful send and at the next start; a later run accounts for what it reads back separately
 * ({@code recovered…} counters).
 */
public final class AzureMonitorExporter implements SpanExporter {
  private static final Logger logger = LoggerFactory.getLogger(AzureMonitorExporter.class);
  // No root-value separator: the batch writes exactly one '\n' after each envelope itself.
  private static final JsonFactory JSON = new com.fasterxml.jackson.core.JsonFactoryBuilder()
      .rootValueSeparator((com.fasterxml.jackson.core.SerializableString) null).build();
  private static final int MAX_REDIRECTS = 10;
  private static final int MAX_ITEM_BYTES = 64 * 1024;

  private final Settings settings;
  private final EnvelopeMapper mapper;
  private final ExporterMetrics metrics = new ExporterMetrics(this::queuedNow);
  private final HttpClient client;
  private final ConnectionProvider connections;
  private final FailureLog sendLog = new FailureLog(logger, "Application Insights export failed");
  private final FailureLog dropLog = new FailureLog(logger, "Application Insights rejected telemetry");

  // Hand-off from producers: lock-free, bounded by the counter.
  private final Queue<SpanData> queue = Queues.<SpanData>unboundedMultiproducer().get();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger wip = new AtomicInteger();
  private volatile boolean armed;
  // Queue size at which the worker moves spans to disk when every send slot is busy (-1: persistence off).
  private final int spillThreshold;
  private volatile boolean closed;
  // Set by shutdown on the worker after its last pass over the queue; a span offered later is counted by whoever
  // sees the flag (the producer or the worker), one sweeper at a time, so none stays queued unaccounted.
  private volatile boolean sealed;
  private volatile @Nullable Mono<Void> shutdownResult;
  private final AtomicInteger sweeping = new AtomicInteger();
  // The JVM shutdown hook registered for this exporter, if any; removed by an explicit shutdown.
  private volatile @Nullable Thread shutdownHook;

  // Confined to the worker.
  private final Scheduler scheduler;
  private final Scheduler.Worker worker;
  private volatile URI trackUrl; // written on the worker, read by sends
  private int inFlight;
  private long inFlightBytes;
  private long lingerDeadline = -1;
  private @Nullable Disposable lingerTimer;
  private final List<MonoSink<Void>> flushWaiters = new ArrayList<>();
  private boolean flushing;
  private boolean stopped;
  private final List<Batch> outstanding = new ArrayList<>();
  // Spill files this exporter wrote, by base name, with the spans (trackings) they hold. Read by sweeps.
  private final @Nullable DiskSpill disk;
  private final java.util.concurrent.ConcurrentHashMap<String, List<Tracking>> ownFiles =
      new java.util.concurrent.ConcurrentHashMap<>();
  private boolean diskLoading;
  // gzip streams for sends, one per batch being sent (a batch sends once at a time): sends run on the parallel
  // scheduler, so that compressing one batch overlaps with encoding the next on the worker. Worker-confined pool.
  private final java.util.ArrayDeque<BatchBuffer.Gzip> gzips = new java.util.ArrayDeque<>();
  // Batch buffers whose batches are finished, for the next batches: a batch holds its envelopes' bytes until every
  // one is resolved (for retries), so buffers are recycled at finish, never while a batch can still resend.
  private final java.util.ArrayDeque<BatchBuffer> buffers = new java.util.ArrayDeque<>();
  private static final byte[] NEWLINE = {'\n'};

  private AzureMonitorExporter(Settings settings) {
    this.settings = settings;
    this.mapper = new EnvelopeMapper(settings.connectionString.instrumentationKey());
    this.trackUrl = settings.connectionString.trackUrl();
    this.connections = ConnectionProvider.builder("weft-exporter").maxConnections(Math.max(2, settings.maxInFlight))
        .pendingAcquireMaxCount(-1).build();
    // The exporter's own calls are a plain, undecorated client: they never produce spans (rule 14).
    this.client = HttpClient.create(connections)
        .responseTimeout(settings.responseTimeout)
        .option(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout.toMillis())
        .option(io.netty.channel.ChannelOption.TCP_NODELAY, true)
        .headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/x-json-stream")
            .set(HttpHeaderNames.CONTENT_ENCODING, "gzip").set(HttpHeaderNames.USER_AGENT, ""));
    this.scheduler = Schedulers.newSingle("weft-exporter", true);
    this.worker = scheduler.createWorker();
    this.disk = settings.storageDirectory == null ? null : new DiskSpill(settings.storageDirectory,
        settings.storageMaxBytes, settings.storageRetention, Duration.ofMinutes(2), java.time.Clock.systemUTC());
    this.spillThreshold = disk != null && disk.enabled() ? Math.max(1, settings.maxQueueSize * 3 / 4) : -1;
    if (disk != null && disk.enabled()) {
      // Purge what expired while we were not running, then resend what an earlier run left behind.
      DiskSpill spill = disk;
      Mono.fromCallable(() -> spill.sweep(file -> ownFiles.containsKey(DiskSpill.baseName(file))))
          .subscribeOn(Schedulers.boundedElastic())
          .subscribe(expired -> onWorker(() -> {
            metrics.recordRecoveredDropped(expired);
            maybeLoadFromDisk();
          }), error -> logger.warn("Cannot sweep the spill directory", error));
    }
    if (!isLoopback(trackUrl) && "http".equalsIgnoreCase(trackUrl.getScheme())) {
      logger.warn("Application Insights exporter sends plain http to a non-loopback host: {}", trackUrl.getHost());
    }
  }

  /** A builder; a connection string is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The counters: handed over, delivered, dropped by reason, pending, retried. */
  public ExporterMetrics metrics() {
    return metrics;
  }

  /** Whether a JVM shutdown hook will shut this exporter down at exit. */
  public boolean hasShutdownHook() {
    return shutdownHook != null;
  }

  /** The connection string in use (key masked in its {@code toString}). */
  public ConnectionString connectionString() {
    return settings.connectionString;
  }

  /** Truncations and oversize drops by field, so far. */
  public Map<String, Long> truncations() {
    return mapper.truncations();
  }

  @Override
  public void export(SpanData span) {
    if (closed) {
      metrics.recordRefused();
      metrics.recordDropped(DropReason.SHUTDOWN, 1);
      return;
    }
    int size = queued.incrementAndGet();
    if (size > settings.maxQueueSize) {
      metrics.recordRefused(); // before the size goes back down: the hand-over is never missed by a reader
      metrics.recordDropped(DropReason.QUEUE_FULL, 1);
      queued.decrementAndGet();
      return;
    }
    queue.offer(span);
    if (sealed) {
      sweepAfterShutdown(); // shutdown's last pass may have missed this span: count it as SHUTDOWN
      return;
    }
    // Wake the worker only when the queue crosses a full batch or no linger timer is armed: not once per span.
    // Above a full batch the worker is either already draining or waiting for a send slot, which a response frees.
    if (size == settings.maxBatchSize || size == spillThreshold || !armed) {
      signal();
    }
  }

  /**
   * Counts as {@code SHUTDOWN} whatever is still queued after shutdown's last pass: spans whose producers passed the
   * {@code closed} check just before shutdown began. Runs on any thread; one at a time (the queue has one consumer).
   */
  private void sweepAfterShutdown() {
    if (sweeping.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    do {
      while (queue.poll() != null) {
        metrics.recordTaken(1);
        queued.decrementAndGet();
        metrics.recordDropped(DropReason.SHUTDOWN, 1);
      }
      missed = sweeping.addAndGet(-missed);
    } while (missed != 0);
  }

  private int queuedNow() {
    return queued.get();
  }

  private void signal() {
    if (wip.getAndIncrement() == 0) {
      try {
        worker.schedule(this::drainLoop);
      } catch (RuntimeException rejected) {
        wip.set(0); // the worker is gone (shut down): the span stays queued and is counted at shutdown
      }
    }
  }

  private void drainLoop() {
    int missed = 1;
    do {
      try {
        drain();
      } catch (Throwable error) {
        Exceptions.throwIfFatal(error);
        metrics.recordInternalFailure();
        sendLog.log("exporter worker failed; continuing", error);
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  // ---- worker ----------------------------------------------------------------------------------------------

  private void drain() {
    if (stopped) {
      return;
    }
    while (inFlight < settings.maxInFlight && inFlightBytes < settings.maxInFlightBytes) {
      int available = queued.get();
      if (available == 0) {
        break;
      }
      if (available < settings.maxBatchSize && !flushing) {
        long now = System.nanoTime();
        if (lingerDeadline < 0) {
          lingerDeadline = now + settings.linger.toNanos();
        }
        if (now - lingerDeadline < 0) {
          armLinger(lingerDeadline - now);
          break;
        }
      }
      if (settings.noopDownstream) {
        discard(settings.maxBatchSize);
        lingerDeadline = -1;
        continue;
      }
      Batch batch = nextBatch();
      lingerDeadline = -1;
      if (batch != null) {
        inFlight++;
        inFlightBytes += batch.bytes;
        outstanding.add(batch);
        dispatch(batch);
      }
    }
    spillIfBudgetsFull();
    if (queued.get() > 0 && (inFlight >= settings.maxInFlight || inFlightBytes >= settings.maxInFlightBytes)) {
      // Every send slot is busy: the next response runs drain() again, so producers need not wake the worker for
      // each span they add (they still do at a full batch and at the spill threshold).
      armed = true;
    } else if (queued.get() == 0) {
      armed = false;
      if (queued.get() > 0) { // a producer raced the flag: make sure its span is picked up
        armed = true;
        worker.schedule(this::drainLoopFromTimer);
      }
    }
    completeFlushWaitersIfIdle();
  }

  /**
   * When every send slot is taken (the endpoint is failing and batches wait to retry) and the queue is at least
   * three quarters full, moves queued spans to disk so that new spans are not dropped as {@code QUEUE_FULL}: memory
   * stays bounded, the spans stay pending, and they are resent after the next successful send.
   */
  private void spillIfBudgetsFull() {
    DiskSpill spill = disk;
    if (spill == null || !spill.enabled() || closed || inFlight < settings.maxInFlight) {
      return;
    }
    while (queued.get() >= spillThreshold) {
      Batch batch = nextBatch();
      if (batch == null) {
        return;
      }
      spill(batch.entries).subscribe(); // copies the envelopes before it returns
      if (batch.buffer != null) {
        recycle(batch.buffer);
      }
    }
  }

  private void armLinger(long delayNanos) {
    armed = true;
    if (lingerTimer == null) {
      lingerTimer = worker.schedule(this::drainLoopFromTimer, Math.max(1, delayNanos), TimeUnit.NANOSECONDS);
    }
  }

  private void drainLoopFromTimer() {
    lingerTimer = null;
    drain();
  }

  private @Nullable Batch nextBatch() {
    int expected = Math.min(settings.maxBatchSize, queued.get());
    BatchBuffer buffer = buffers.poll();
    if (buffer == null) {
      buffer = new BatchBuffer(Math.max(1024, expected * 700));
    }
    buffer.reset();
    int[] offsets = new int[expected * 2 + 2];
    int[] lengths = new int[offsets.length];
    List<Tracking> trackings = new ArrayList<>(offsets.length);
    int count = 0;
    JsonGenerator out = null;
    try {
      out = JSON.createGenerator(buffer, com.fasterxml.jackson.core.JsonEncoding.UTF8);
      while (count < settings.maxBatchSize && buffer.size() < settings.maxBatchBytes) {
        SpanData span = queue.poll();
        if (span == null) {
          break;
        }
        metrics.recordTaken(1);
        queued.decrementAndGet();
        boolean exception = EnvelopeMapper.hasExceptionItem(span);
        Tracking tracking = new Tracking(exception ? 2 : 1);
        int spanStart = buffer.size();
        int[] starts = new int[2];
        int[] ends = new int[2];
        try {
          starts[0] = buffer.size();
          mapper.writeItem(span, out);
          out.flush();
          ends[0] = buffer.size();
          buffer.write('\n'); // the envelopes of a batch lie in one newline-separated run: one deflate call
          if (exception) {
            starts[1] = buffer.size();
            mapper.writeExceptionItem(span, out);
            out.flush();
            ends[1] = buffer.size();
            buffer.write('\n');
          }
        } catch (Throwable e) { // a span's data is the application's: anything it throws drops that span only
          Exceptions.throwIfFatal(e);
          metrics.recordDropped(DropReason.ENCODING_FAILED, 1);
          sendLog.log("cannot encode span " + span.name(), e);
          buffer.truncate(spanStart);
          out = JSON.createGenerator(buffer, com.fasterxml.jackson.core.JsonEncoding.UTF8);
          continue;
        }
        for (int e = 0; e < (exception ? 2 : 1); e++) {
          int length = ends[e] - starts[e];
          if (length > MAX_ITEM_BYTES) {
            mapper.count("item over 64 KB");
            drop(tracking, DropReason.TOO_LARGE);
            continue;
          }
          if (count == offsets.length) {
            offsets = java.util.Arrays.copyOf(offsets, count * 2);
            lengths = java.util.Arrays.copyOf(lengths, count * 2);
          }
          offsets[count] = starts[e];
          lengths[count] = length;
          trackings.add(tracking);
          count++;
        }
      }
    } catch (IOException e) {
      sendLog.log("cannot create a JSON generator", e);
    }
    if (count == 0) {
      recycle(buffer);
      return null;
    }
    byte[] data = buffer.array();
    List<Entry> entries = new ArrayList<>(count);
    long bytes = 0;
    for (int i = 0; i < count; i++) {
      entries.add(new Entry(data, offsets[i], lengths[i], trackings.get(i)));
      bytes += lengths[i] + 1;
    }
    Batch batch = new Batch(entries, bytes);
    batch.buffer = buffer;
    return batch;
  }

  /** The no-op downstream (benchmarks only): takes up to {@code max} spans off the queue as delivered. */
  private void discard(int max) {
    int taken = 0;
    while (taken < max && queue.poll() != null) {
      taken++;
    }
    metrics.recordTaken(taken);
    queued.addAndGet(-taken);
    metrics.recordDelivered(taken);
  }

  private void recycle(BatchBuffer buffer) {
    if (!stopped && buffers.size() <= settings.maxInFlight) {
      buffers.push(buffer);
    }
  }

  /** Runs {@code task}; a failure is counted and logged, never thrown into the scheduler. */
  private void guarded(Runnable task) {
    try {
      task.run();
    } catch (Throwable error) {
      Exceptions.throwIfFatal(error);
      metrics.recordInternalFailure();
      sendLog.log("exporter task failed; continuing", error);
    }
  }

  /** Sends {@code batch} from the parallel scheduler: gzip is CPU work, done off the worker. Worker only. */
  private void dispatch(Batch batch) {
    if (batch.gzip == null) {
      BatchBuffer.Gzip gzip = gzips.poll();
      batch.gzip = gzip != null ? gzip : new BatchBuffer.Gzip(settings.gzipLevel);
    }
    try {
      Schedulers.parallel().schedule(() -> guarded(() -> send(batch)));
    } catch (RuntimeException rejected) {
      send(batch);
    }
  }

  /**
   * Compresses and posts {@code batch}; runs on a parallel thread. It reads only what the worker wrote before
   * dispatching (entries, target) and the batch's own gzip stream; every outcome goes back to the worker.
   */
  private void send(Batch batch) {
    byte[] body;
    try {
      BatchBuffer.Gzip gzip = Objects.requireNonNull(batch.gzip);
      List<Entry> entries = batch.entries;
      gzip.start();
      if (contiguous(entries)) {
        Entry first = entries.get(0);
        Entry last = entries.get(entries.size() - 1);
        gzip.add(first.data(), first.offset(), last.offset() + last.length() - first.offset());
      } else {
        for (int i = 0; i < entries.size(); i++) {
          if (i > 0) {
            gzip.add(NEWLINE, 0, 1);
          }
          Entry entry = entries.get(i);
          gzip.add(entry.data(), entry.offset(), entry.length());
        }
      }
      body = gzip.finish();
    } catch (RuntimeException e) {
      onWorker(() -> {
        for (Entry entry : batch.entries) {
          drop(entry.tracking, DropReason.ENCODING_FAILED);
        }
        finish(batch);
      });
      return;
    }
    metrics.recordRequest();
    URI target = batch.redirectedTo != null ? batch.redirectedTo : trackUrl;
    client.post().uri(target)
        .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
        .responseSingle((response, content) -> content.asString().defaultIfEmpty("").map(text -> new Response(
            response.status().code(), response.responseHeaders().get(HttpHeaderNames.RETRY_AFTER),
            response.responseHeaders().get(HttpHeaderNames.LOCATION), text)))
        .subscribe(
            response -> onWorker(() -> onResponse(batch, target, response)),
            error -> onWorker(() -> onError(batch, error)));
  }

  /** Whether the entries are one run of one array, each followed by a single newline (a batch as encoded). */
  private static boolean contiguous(List<Entry> entries) {
    for (int i = 1; i < entries.size(); i++) {
      Entry previous = entries.get(i - 1);
      Entry entry = entries.get(i);
      if (entry.data() != previous.data() || entry.offset() != previous.offset() + previous.length() + 1) {
        return false;
      }
    }
    return !entries.isEmpty();
  }

  /** Runs {@code task} on the worker (inline if the worker is gone), then completes {@code sink}. */
  private void onWorkerThen(MonoSink<Void> sink, Runnable task) {
    onWorkerOrHere(() -> {
      try {
        task.run();
      } finally {
        sink.success();
      }
    });
  }

  private void onWorkerOrHere(Runnable task) {
    try {
      worker.schedule(task);
    } catch (RuntimeException rejected) {
      task.run();
    }
  }

  private void onWorker(Runnable task) {
    try {
      worker.schedule(() -> guarded(task));
    } catch (RuntimeException rejected) {
      // Shut down: the batch was already accounted for as SHUTDOWN.
    }
  }

  private void onResponse(Batch batch, URI target, Response response) {
    if (stopped) {
      return;
    }
    int status = response.status;
    if (status == 200) {
      for (Entry entry : batch.entries) {
        accept(entry.tracking);
      }
      finish(batch);
      maybeLoadFromDisk();
    } else if (status == 206) {
      partial(batch, response);
      maybeLoadFromDisk();
    } else if (status == 307 || status == 308) {
      redirect(batch, target, response);
    } else if (retryable(status)) {
      sendLog.log("status " + status + " from " + target.getHost() + "; retrying", new RetryableStatus(status));
      retry(batch, batch.entries, response.retryAfter);
    } else {
      DropReason reason = status == 402 || status == 439 ? DropReason.QUOTA : DropReason.REJECTED;
      dropLog.log("status " + status + " from " + target.getHost() + ": " + abbreviate(response.body),
          new RetryableStatus(status));
      for (Entry entry : batch.entries) {
        drop(entry.tracking, reason);
      }
      finish(batch);
    }
    drain();
  }

  private void onError(Batch batch, Throwable error) {
    if (stopped) {
      return;
    }
    sendLog.log("request failed; retrying", error);
    retry(batch, batch.entries, null);
    drain();
  }

  private void partial(Batch batch, Response response) {
    Map<Integer, ItemError> errors = parseErrors(response.body);
    List<Entry> again = new ArrayList<>();
    for (int i = 0; i < batch.entries.size(); i++) {
      Entry entry = batch.entries.get(i);
      ItemError error = errors.get(i);
      if (error == null || (error.statusCode == 206 && "Telemetry sampled out.".equals(error.message))) {
        accept(entry.tracking);
      } else if (retryable(error.statusCode)) {
        again.add(entry);
      } else {
        dropLog.log("item rejected with " + error.statusCode + ": " + abbreviate(error.message),
            new RetryableStatus(error.statusCode));
        drop(entry.tracking, error.statusCode == 402 || error.statusCode == 439 ? DropReason.QUOTA
            : DropReason.REJECTED);
      }
    }
    if (again.isEmpty()) {
      finish(batch);
    } else {
      retry(batch, again, response.retryAfter);
    }
  }

  private void redirect(Batch batch, URI target, Response response) {
    URI location = null;
    if (response.location != null) {
      try {
        location = target.resolve(response.location);
      } catch (IllegalArgumentException e) {
        location = null;
      }
    }
    boolean allowed = location != null && ("https".equalsIgnoreCase(location.getScheme())
        || ("http".equalsIgnoreCase(location.getScheme()) && isLoopback(location)));
    if (!allowed || batch.redirects >= MAX_REDIRECTS) {
      dropLog.log("redirect not followed (" + (allowed ? "more than " + MAX_REDIRECTS + " hops" : "to " + location)
          + ")", new RetryableStatus(response.status));
      for (Entry entry : batch.entries) {
        drop(entry.tracking, DropReason.REJECTED);
      }
      finish(batch);
      return;
    }
    URI redirected = Objects.requireNonNull(location);
    URI newTrack = redirected.getPath() != null && redirected.getPath().endsWith("/track") ? redirected
        : redirected.resolve("v2.1/track");
    trackUrl = newTrack; // remembered for later batches
    batch.redirects++;
    batch.redirectedTo = newTrack;
    dispatch(batch); // keeps its slot
  }

  private void retry(Batch batch, List<Entry> entries, @Nullable String retryAfter) {
    batch.attempts++;
    if (batch.attempts > settings.maxRetries) {
      if (disk != null && disk.enabled()) {
        spill(entries).subscribe();
      } else {
        for (Entry entry : entries) {
          drop(entry.tracking, DropReason.RETRIES_EXHAUSTED);
        }
      }
      finish(batch);
      return;
    }
    long bytes = 0;
    for (Entry entry : entries) {
      bytes += entry.length() + 1;
    }
    inFlightBytes += bytes - batch.bytes;
    batch.entries = entries;
    batch.bytes = bytes;
    if (batch.diskFile == null) {
      batch.redirectedTo = null;
    }
    metrics.recordRetried(entries.size());
    Duration delay = delay(batch.attempts, retryAfter);
    spillIfBudgetsFull();
    // The batch keeps its slot while it waits: that is what bounds memory when the endpoint is down.
    worker.schedule(() -> {
      if (!stopped) {
        dispatch(batch);
      }
    }, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  Duration delay(int attempt, @Nullable String retryAfter) {
    Duration fromHeader = parseRetryAfter(retryAfter);
    if (fromHeader != null) {
      return fromHeader.compareTo(settings.maxBackoff) > 0 ? settings.maxBackoff : fromHeader;
    }
    long cap = Math.min(settings.maxBackoff.toNanos(),
        settings.initialBackoff.toNanos() << Math.min(30, Math.max(0, attempt - 1)));
    return Duration.ofNanos(ThreadLocalRandom.current().nextLong(Math.max(1, cap) + 1)); // full jitter
  }

  static @Nullable Duration parseRetryAfter(@Nullable String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.trim();
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration until = Duration.between(ZonedDateTime.now(at.getZone()), at);
        return until.isNegative() ? Duration.ZERO : until;
      } catch (RuntimeException notADate) {
        return null;
      }
    }
  }

  private void finish(Batch batch) {
    if (outstanding.remove(batch)) {
      inFlight--;
      inFlightBytes -= batch.bytes;
      BatchBuffer.Gzip gzip = batch.gzip;
      if (gzip != null) {
        batch.gzip = null;
        if (!stopped && gzips.size() <= settings.maxInFlight) {
          gzips.push(gzip); // its send is over: the response (or error) for it is what brought us here
        } else {
          gzip.end();
        }
      }
      BatchBuffer buffer = batch.buffer;
      if (buffer != null) {
        // Every entry is resolved: delivered, dropped, or copied out by spill() before this call.
        batch.buffer = null;
        batch.entries = List.of();
        recycle(buffer);
      }
      Path file = batch.diskFile;
      DiskSpill spill = disk;
      if (file != null && spill != null) {
        // Every envelope of the file is resolved (delivered, dropped, or spilled again): the file goes.
        Mono.fromRunnable(() -> spill.delete(file)).subscribeOn(Schedulers.boundedElastic()).subscribe();
      }
    }
  }

  /**
   * Writes {@code entries} to the spill directory (on bounded-elastic) and completes once it is done: the spans
   * stay pending on disk, or are dropped as {@code DISK_FULL} when they do not fit or persistence is off.
   */
  private Mono<Void> spill(List<Entry> entries) {
    DiskSpill spill = disk;
    List<Tracking> trackings = new ArrayList<>();
    java.util.IdentityHashMap<Tracking, Integer> index = new java.util.IdentityHashMap<>();
    List<byte[]> envelopes = new ArrayList<>(entries.size());
    List<Integer> spanOf = new ArrayList<>(entries.size());
    for (Entry entry : entries) {
      if (entry.tracking.dropped) {
        continue; // already counted; nothing to keep
      }
      Integer i = index.get(entry.tracking);
      if (i == null) {
        i = trackings.size();
        index.put(entry.tracking, i);
        trackings.add(entry.tracking);
      }
      envelopes.add(entry.json());
      spanOf.add(i);
    }
    if (envelopes.isEmpty() || spill == null) {
      for (Tracking tracking : trackings) {
        drop(tracking, DropReason.DISK_FULL);
      }
      return Mono.empty();
    }
    URI url = trackUrl;
    int[] spans = spanOf.stream().mapToInt(Integer::intValue).toArray();
    // Registered before the file exists: a read-back racing the write must find it is ours, or its spans would be
    // delivered as "recovered" while they stayed pending here forever.
    String name = spill.newName();
    ownFiles.put(name, trackings);
    return Mono.fromCallable(() -> java.util.Optional.ofNullable(spill.write(name, url, envelopes, spans)))
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(written -> Mono.<Void>create(sink -> {
          Runnable account = () -> {
            if (written.isPresent()) {
              long own = trackings.stream().filter(t -> !t.recovered).count();
              metrics.recordPersisted(own);
            } else {
              ownFiles.remove(name);
              for (Tracking tracking : trackings) {
                drop(tracking, DropReason.DISK_FULL);
              }
            }
            sink.success();
          };
          try {
            worker.schedule(account);
          } catch (RuntimeException workerGone) {
            account.run();
          }
        }));
  }

  /** Resends the oldest spill file when a send slot is free: after a success and at start. */
  private void maybeLoadFromDisk() {
    DiskSpill spill = disk;
    if (spill == null || !spill.enabled() || diskLoading || stopped || closed
        || inFlight >= settings.maxInFlight) {
      return;
    }
    diskLoading = true;
    Mono.fromCallable(() -> java.util.Optional.ofNullable(spill.next()))
        .subscribeOn(Schedulers.boundedElastic())
        .subscribe(loaded -> onWorker(() -> {
          diskLoading = false;
          loaded.ifPresent(this::startDiskBatch);
        }), error -> onWorker(() -> diskLoading = false));
  }

  private void startDiskBatch(DiskSpill.Loaded loaded) {
    DiskSpill spill = Objects.requireNonNull(disk);
    if (stopped) {
      Mono.fromRunnable(() -> spill.release(loaded.leased())).subscribeOn(Schedulers.boundedElastic()).subscribe();
      return;
    }
    List<Tracking> own = ownFiles.remove(DiskSpill.baseName(loaded.leased()));
    int[] spanOf = loaded.spanOfEnvelope();
    int spans = 0;
    for (int span : spanOf) {
      spans = Math.max(spans, span + 1);
    }
    Tracking[] trackings = new Tracking[spans];
    if (own != null && own.size() == spans) {
      own.toArray(trackings);
    } else {
      int[] envelopesPerSpan = new int[spans];
      for (int span : spanOf) {
        envelopesPerSpan[span]++;
      }
      for (int i = 0; i < spans; i++) {
        trackings[i] = new Tracking(envelopesPerSpan[i]);
        trackings[i].recovered = true;
      }
      metrics.recordRecovered(spans);
    }
    List<Entry> entries = new ArrayList<>(spanOf.length);
    long bytes = 0;
    for (int i = 0; i < spanOf.length; i++) {
      byte[] json = loaded.envelopes().get(i);
      entries.add(new Entry(json, trackings[spanOf[i]]));
      bytes += json.length + 1;
    }
    Batch batch = new Batch(entries, bytes);
    batch.diskFile = loaded.leased();
    batch.redirectedTo = loaded.url();
    inFlight++;
    inFlightBytes += bytes;
    outstanding.add(batch);
    dispatch(batch);
  }


  private void accept(Tracking tracking) {
    if (!tracking.dropped && --tracking.remaining == 0) {
      if (tracking.recovered) {
        metrics.recordRecoveredDelivered(1);
      } else {
        metrics.recordDelivered(1);
      }
    }
  }

  private void drop(Tracking tracking, DropReason reason) {
    if (!tracking.dropped) {
      tracking.dropped = true;
      if (tracking.recovered) {
        metrics.recordRecoveredDropped(1);
      } else {
        metrics.recordDropped(reason, 1);
      }
    }
  }

  private void completeFlushWaitersIfIdle() {
    if (!flushWaiters.isEmpty() && queued.get() == 0 && inFlight == 0) {
      flushing = false;
      List<MonoSink<Void>> waiters = new ArrayList<>(flushWaiters);
      flushWaiters.clear();
      waiters.forEach(MonoSink::success);
    }
  }

  @Override
  public Mono<Void> flush() {
    return Mono.<Void>create(sink -> onWorker(() -> {
      flushWaiters.add(sink);
      flushing = true;
      drain();
    }));
  }

  /**
   * Flushes within the shutdown timeout (default 5 s), then drops (and counts as {@code SHUTDOWN}) whatever is left,
   * and releases the connection pool and the worker. Spans handed over afterwards are dropped and counted.
   */
  @Override
  public Mono<Void> shutdown() {
    Mono<Void> result = shutdownResult;
    if (result == null) {
      synchronized (this) {
        result = shutdownResult;
        if (result == null) {
          // One shutdown: every later call (the JVM hook, a second close) shares its completion.
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
      return flush().timeout(settings.shutdownTimeout, Mono.empty())
          .then(Mono.<List<Entry>>create(sink -> onWorker(() -> {
            stopped = true;
            List<Entry> left = new ArrayList<>();
            DiskSpill spill = disk;
            for (Batch batch : new ArrayList<>(outstanding)) {
              Path file = batch.diskFile;
              if (file != null && spill != null) {
                batch.diskFile = null; // its spans are still in that file: give it back instead of writing them again
                Mono.fromRunnable(() -> spill.release(file)).subscribeOn(Schedulers.boundedElastic()).subscribe();
              } else {
                left.addAll(batch.entries);
              }
              finish(batch);
            }
            SpanData span;
            while ((span = queue.poll()) != null) {
              metrics.recordTaken(1);
              queued.decrementAndGet();
              try {
                byte[][] envelopes = mapper.envelopes(span);
                Tracking tracking = new Tracking(envelopes.length);
                for (byte[] envelope : envelopes) {
                  left.add(new Entry(envelope, tracking));
                }
              } catch (IOException | RuntimeException e) {
                metrics.recordDropped(DropReason.ENCODING_FAILED, 1);
              }
            }
            sealed = true;
            sweepAfterShutdown();
            flushWaiters.forEach(MonoSink::success);
            flushWaiters.clear();
            sink.success(left);
          })))
          .flatMap(left -> {
            if (left.isEmpty()) {
              return Mono.<Void>empty();
            }
            if (disk == null || !disk.enabled()) {
              // Completes once the drops are counted, so that the metrics are final when shutdown completes.
              return Mono.<Void>create(sink -> onWorkerThen(sink, () -> {
                java.util.Set<Tracking> counted = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
                for (Entry entry : left) {
                  if (counted.add(entry.tracking)) {
                    drop(entry.tracking, DropReason.SHUTDOWN);
                  }
                }
                logger.warn("Application Insights exporter shut down with {} span(s) undelivered and persistence "
                    + "off", counted.size());
              }));
            }
            return Mono.defer(() -> spill(left));
          })
          .then(connections.disposeLater())
          .doFinally(signal -> {
            scheduler.dispose();
            onWorkerOrHere(() -> gzips.forEach(BatchBuffer.Gzip::end));
          });
    });
  }

  // ---- helpers ---------------------------------------------------------------------------------------------

  private static boolean retryable(int status) {
    return status == 408 || status == 429 || status == 401 || status == 403 || (status >= 500 && status <= 599);
  }

  private static boolean isLoopback(URI uri) {
    String host = uri.getHost();
    return host != null && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]")
        || host.equals("::1"));
  }

  private static String abbreviate(@Nullable String text) {
    if (text == null) {
      return "";
    }
    return text.length() <= 300 ? text : text.substring(0, 300) + "…";
  }

  private static Map<Integer, ItemError> parseErrors(String body) {
    Map<Integer, ItemError> errors = new HashMap<>();
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return errors;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken token = p.nextToken();
        if (!field.equals("errors") || token != JsonToken.START_ARRAY) {
          p.skipChildren();
          continue;
        }
        while (p.nextToken() == JsonToken.START_OBJECT) {
          int index = -1;
          int code = 0;
          String message = "";
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            switch (name) {
              case "index" -> index = p.getValueAsInt(-1);
              case "statusCode" -> code = p.getValueAsInt(0);
              case "message" -> message = p.getValueAsString("");
              default -> p.skipChildren();
            }
          }
          if (index >= 0) {
            errors.put(index, new ItemError(code, message));
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // An unreadable 206 body: every item is treated as accepted except none; resend nothing (logged once).
      logger.debug("unreadable 206 body", e);
    }
    return errors;
  }

  private record ItemError(int statusCode, String message) {}

  private record Response(int status, @Nullable String retryAfter, @Nullable String location, String body) {}

  /** A status that is logged as a failure. */
  private static final class RetryableStatus extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RetryableStatus(int status) {
      super("HTTP " + status, null, false, false);
    }
  }

  /** One span's fate across its envelopes. Worker-confined. */
  private static final class Tracking {
    int remaining;
    boolean dropped;
    boolean recovered;

    Tracking(int envelopes) {
      this.remaining = envelopes;
    }
  }

  /** One envelope of a batch: {@code data[offset, offset + length)}, shared with the other envelopes. */
  record Entry(byte[] data, int offset, int length, Tracking tracking) {
    Entry(byte[] json, Tracking tracking) {
      this(json, 0, json.length, tracking);
    }

    /** A copy of this envelope's bytes: the batch buffer they live in is recycled once the batch finishes. */
    byte[] json() {
      return java.util.Arrays.copyOfRange(data, offset, offset + length);
    }
  }

  /** Envelopes sent together. Worker-confined. */
  private static final class Batch {
    List<Entry> entries;
    long bytes;
    int attempts;
    int redirects;
    @Nullable URI redirectedTo;
    @Nullable Path diskFile;
    // The buffer the entries point into (null for a batch read back from disk); recycled when the batch finishes.
    @Nullable BatchBuffer buffer;
    // This batch's gzip stream while it is being sent; back to the pool when the batch finishes.
    BatchBuffer.@Nullable Gzip gzip;

    Batch(List<Entry> entries, long bytes) {
      this.entries = entries;
      this.bytes = bytes;
    }
  }

  private record Settings(
      ConnectionString connectionString,
      int maxQueueSize,
      int maxBatchSize,
      long maxBatchBytes,
      Duration linger,
      int maxInFlight,
      long maxInFlightBytes,
      int maxRetries,
      Duration initialBackoff,
      Duration maxBackoff,
      Duration connectTimeout,
      Duration responseTimeout,
      Duration shutdownTimeout,
      int gzipLevel,
      @Nullable Path storageDirectory,
      long storageMaxBytes,
      Duration storageRetention,
      boolean noopDownstream) {}

  /** Configures an {@link AzureMonitorExporter}; every setting is checked when set, naming the setting. */
  public static final class Builder {
    private @Nullable ConnectionString connectionString;
    private int maxQueueSize = 8192;
    private boolean noopDownstream;
    private int maxBatchSize = 512;
    private long maxBatchBytes = 1024 * 1024;
    private Duration linger = Duration.ofSeconds(5);
    private int maxInFlight = 2;
    private long maxInFlightBytes = 8L * 1024 * 1024;
    private int maxRetries = 5;
    private Duration initialBackoff = Duration.ofSeconds(1);
    private Duration maxBackoff = Duration.ofSeconds(60);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration responseTimeout = Duration.ofSeconds(30);
    private Duration shutdownTimeout = Duration.ofSeconds(5);
    // Level 1 by measurement: 36% more spans/s than level 6 on 2 cores, bodies ~30% larger (RATIONALE.md).
    private int gzipLevel = Deflater.BEST_SPEED;
    private boolean shutdownHook;
    private boolean persistence = true;
    private @Nullable Path storageDirectory;
    private long storageMaxBytes = 50L * 1024 * 1024;
    private Duration storageRetention = Duration.ofHours(48);

    Builder() {}

    /** The connection string ({@code InstrumentationKey=…;IngestionEndpoint=…}); malformed ones fail fast. */
    public Builder connectionString(String connectionString) {
      this.connectionString = ConnectionString.parse(connectionString);
      return this;
    }

    /** An already parsed connection string. */
    public Builder connectionString(ConnectionString connectionString) {
      this.connectionString = Objects.requireNonNull(connectionString, "connectionString");
      return this;
    }

    /**
     * The connection string from {@code applicationinsights.connection.string} / {@code
     * APPLICATIONINSIGHTS_CONNECTION_STRING}.
     *
     * @throws IllegalArgumentException if neither is set, or the value is malformed (naming the setting)
     */
    public Builder fromEnvironment() {
      ConnectionString fromEnvironment = ConnectionString.fromEnvironment(WeftConfig.system());
      if (fromEnvironment == null) {
        throw new IllegalArgumentException(WeftConfig.CONNECTION_STRING_ENV + " is not set");
      }
      this.connectionString = fromEnvironment;
      return this;
    }

    /** Spans waiting to be sent (default 8,192); beyond that new spans are dropped as QUEUE_FULL. */
    public Builder maxQueueSize(int maxQueueSize) {
      this.maxQueueSize = positive("maxQueueSize", maxQueueSize);
      return this;
    }

    /** Spans per request at most (default 512). */
    public Builder maxBatchSize(int maxBatchSize) {
      this.maxBatchSize = positive("maxBatchSize", maxBatchSize);
      return this;
    }

    /** Uncompressed bytes per request at most (default 1 MiB). */
    public Builder maxBatchBytes(long maxBatchBytes) {
      this.maxBatchBytes = positive("maxBatchBytes", maxBatchBytes);
      return this;
    }

    /** How long a partial batch waits for more spans (default 5 s). */
    public Builder linger(Duration linger) {
      this.linger = nonNegative("linger", linger);
      return this;
    }

    /** Requests in flight (or waiting to retry) at most (default 2). */
    public Builder maxInFlight(int maxInFlight) {
      this.maxInFlight = positive("maxInFlight", maxInFlight);
      return this;
    }

    /** Uncompressed bytes in flight (or waiting to retry) at most (default 8 MiB). */
    public Builder maxInFlightBytes(long maxInFlightBytes) {
      this.maxInFlightBytes = positive("maxInFlightBytes", maxInFlightBytes);
      return this;
    }

    /** Retries of a failing batch before its spans are dropped as RETRIES_EXHAUSTED (default 5). */
    public Builder maxRetries(int maxRetries) {
      if (maxRetries < 0) {
        throw new IllegalArgumentException("maxRetries must not be negative: " + maxRetries);
      }
      this.maxRetries = maxRetries;
      return this;
    }

    /** First retry delay bound (default 1 s) and cap (default 60 s), full jitter in between. */
    public Builder backoff(Duration initial, Duration max) {
      this.initialBackoff = positive("initial backoff", initial);
      this.maxBackoff = positive("max backoff", max);
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("max backoff must be >= initial backoff: " + max + " < " + initial);
      }
      return this;
    }

    /** Connect (default 10 s) and response (default 30 s) timeouts. */
    public Builder timeouts(Duration connect, Duration response) {
      this.connectTimeout = positive("connect timeout", connect);
      this.responseTimeout = positive("response timeout", response);
      return this;
    }

    /** How long {@code shutdown()} may flush (default 5 s). */
    public Builder shutdownTimeout(Duration shutdownTimeout) {
      this.shutdownTimeout = nonNegative("shutdownTimeout", shutdownTimeout);
      return this;
    }

    /** gzip level, 1 (fastest) to 9 (smallest); default 1 (see RATIONALE.md). */
    public Builder gzipLevel(int gzipLevel) {
      if (gzipLevel < 1 || gzipLevel > 9) {
        throw new IllegalArgumentException("gzipLevel must be within [1, 9]: " + gzipLevel);
      }
      this.gzipLevel = gzipLevel;
      return this;
    }

    /**
     * Registers a JVM shutdown hook that shuts the exporter down (flushing within the shutdown timeout), for plain
     * {@code main} programs that never call {@code shutdown()} themselves. Default off.
     */
    public Builder shutdownHook(boolean shutdownHook) {
      this.shutdownHook = shutdownHook;
      return this;
    }

    /**
     * Where undelivered telemetry is spilled (default {@code <java.io.tmpdir>/weft/<hash of the key>}); created
     * owner-only. An unwritable directory turns persistence off with one warning.
     */
    public Builder persistenceDirectory(Path directory) {
      this.storageDirectory = Objects.requireNonNull(directory, "directory");
      this.persistence = true;
      return this;
    }

    /** No disk spill: what cannot be delivered is dropped and counted. */
    public Builder persistenceDisabled() {
      this.persistence = false;
      return this;
    }

    /** The spill directory's cap (default 50 MB) and retention (default 48 h). */
    public Builder persistenceLimits(long maxBytes, Duration retention) {
      this.storageMaxBytes = positive("persistence maxBytes", maxBytes);
      this.storageRetention = positive("persistence retention", retention);
      return this;
    }

    /**
     * Benchmarks only (not public): the worker takes spans off the queue in batches, with the same linger and
     * wake-ups, and counts them delivered without mapping, encoding or sending them, so that the producers' side
     * of the hand-off can be measured on its own.
     */
    Builder noopDownstream() {
      this.noopDownstream = true;
      return this;
    }

    /** The exporter; fails fast without a connection string. */
    public AzureMonitorExporter build() {
      if (connectionString == null) {
        throw new IllegalArgumentException("connectionString is required (or use fromEnvironment())");
      }
      Path directory = !persistence ? null : storageDirectory != null ? storageDirectory
          : Path.of(System.getProperty("java.io.tmpdir"), "weft", keyHash(connectionString.instrumentationKey()));
      AzureMonitorExporter exporter = new AzureMonitorExporter(new Settings(connectionString, maxQueueSize,
          maxBatchSize, maxBatchBytes, linger, maxInFlight, maxInFlightBytes, maxRetries, initialBackoff, maxBackoff,
          connectTimeout, responseTimeout, shutdownTimeout, gzipLevel, directory, storageMaxBytes,
          storageRetention, noopDownstream));
      if (shutdownHook) {
        Thread hook = new Thread(() -> exporter.shutdown().block(shutdownTimeout.plusSeconds(5)),
            "weft-exporter-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        exporter.shutdownHook = hook;
      }
      return exporter;
    }

    private static String keyHash(String key) {
      try {
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
            .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return java.util.HexFormat.of().formatHex(digest, 0, 8);
      } catch (java.security.NoSuchAlgorithmException e) {
        return Integer.toHexString(key.hashCode());
      }
    }

    private static int positive(String name, int value) {
      if (value <= 0) {
        throw new IllegalArgumentException(name + " must be positive: " + value);
      }
      return value;
    }

    private static long positive(String name, long value) {
      if (value <= 0) {
        throw new IllegalArgumentException(name + " must be positive: " + value);
      }
      return value;
    }

    private static Duration positive(String name, Duration value) {
      if (value == null || value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + value);
      }
      return value;
    }

    private static Duration nonNegative(String name, Duration value) {
      if (value == null || value.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative: " + value);
      }
      return value;
    }
  }
}
