package io.weft.exporter.azure;

import io.weft.core.internal.FailureLog;
import io.weft.exporter.azure.ExporterMetrics.DropReason;
import io.weft.exporter.azure.ResponseClassifier.Kind;
import io.weft.exporter.azure.ResponseClassifier.Outcome;
import io.weft.exporter.azure.ResponseClassifier.Verdict;
import io.weft.exporter.azure.Sender.Response;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * The exporter's worker: one serial thread that owns the pipeline's state (send slots, the bytes in flight, the
 * linger deadline, whether the endpoint is failing, the files it holds) and moves batches between the stages.
 * Producers only touch the {@link SpanQueue} and wake the worker; everything else runs here, so the state needs no
 * locks and the accounting is exact.
 *
 * <ul>
 *   <li><b>Healthy endpoint:</b> when a send slot and the byte budget are free, a full batch (or one whose linger
 *       ran out, or any during a flush) is encoded ({@link BatchEncoder}), compressed and posted from the parallel
 *       scheduler ({@link Gzip}, {@link Sender}); the answer is classified per item ({@link ResponseClassifier}),
 *       counted ({@link Accounting}), and what is retryable waits its {@link RetrySchedule} delay holding its slot,
 *       so memory stays bounded. Nothing goes to disk. A free slot also resends spill files, one at a time.
 *   <li><b>Failing endpoint</b> (a retryable status or no answer, until the next answer): a failed batch is written
 *       to disk, keeping the file leased, before it waits to retry; the queue is moved to disk at least every
 *       {@code drainInterval}; a batch out of retries leaves memory for its file. A crash then loses at most what
 *       was handed over in the last interval.
 * </ul>
 *
 * <p>Threading: {@link #onQueued} from any thread (it never blocks: one atomic at most); everything else on the
 * worker. Every outcome from another thread (a response, a disk result) is handed back to the worker. Failures
 * inside the worker are counted ({@code internalFailures}) and logged, never thrown into a scheduler.
 */
final class ExportWorker {
  private static final Logger logger = LoggerFactory.getLogger(AzureMonitorExporter.class);
  private static final Duration MAINTENANCE_INTERVAL = Duration.ofMinutes(1);
  private static final Duration MIN_DISK_POLL = Duration.ofMillis(100);

  private final ExporterSettings settings;
  private final SpanQueue queue;
  private final BatchEncoder encoder;
  private final Sender sender;
  private final Gzip.Pool gzips;
  private final @Nullable DiskStage disk;
  private final Accounting accounting;
  private final ExporterMetrics metrics;
  private final Scheduler.Worker worker;
  private final Scheduler compressor;
  private final RandomGenerator random;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final FailureLog sendLog;
  private final FailureLog dropLog;
  private final DropReport dropReport;

  // Producers' side.
  private final AtomicInteger wip = new AtomicInteger();
  // True while a timer or a response will drain the queue anyway: producers then need not wake the worker.
  private volatile boolean armed;
  // Set after shutdown's last pass over the queue: spans queued later are counted by whoever sees the flag.
  private volatile boolean sealed;
  private final AtomicInteger sweeping = new AtomicInteger();

  // Worker-confined.
  private URI trackUrl;
  private final List<Batch> inFlight = new ArrayList<>();
  private long inFlightBytes;
  private int diskBatchesInFlight;
  private long lingerDeadline = -1;
  private @Nullable Disposable lingerTimer;
  private boolean failing;
  private @Nullable Disposable drainTimer;
  private boolean drainDue;
  private boolean loading;
  private boolean diskMayHaveFiles = true;
  private @Nullable Disposable diskPoll;
  private @Nullable Disposable maintenance;
  // Files written by this exporter and not read back yet, by name: whether their spans were recovered ones.
  private final Map<String, Boolean> ownFiles = new HashMap<>();
  // Disk writes in progress; batches leaving memory for disk (not in a slot) until their write is done.
  private int writes;
  private final List<Batch> leaving = new ArrayList<>();
  private final List<MonoSink<Void>> flushWaiters = new ArrayList<>();
  private boolean flushing;
  private boolean stopped;
  private final ArrayDeque<BatchBuffer> buffers = new ArrayDeque<>();

  ExportWorker(ExporterSettings settings, SpanQueue queue, BatchEncoder encoder, Sender sender, Gzip.Pool gzips,
      @Nullable DiskStage disk, ExporterMetrics metrics, Scheduler.Worker worker, ExporterThreads threads,
      FailureLog sendLog, FailureLog dropLog) {
    this.settings = settings;
    this.queue = queue;
    this.encoder = encoder;
    this.sender = sender;
    this.gzips = gzips;
    this.disk = disk;
    this.metrics = metrics;
    this.accounting = new Accounting(metrics);
    this.worker = worker;
    this.compressor = threads.compressor();
    this.random = threads.random();
    this.clock = threads.clock();
    this.nanoTime = threads.nanoTime();
    this.sendLog = sendLog;
    this.dropLog = dropLog;
    this.dropReport = new DropReport(logger, metrics);
    this.trackUrl = settings.connectionString().trackUrl();
    onWorker(() -> maintenance = worker.schedulePeriodically(() -> guarded(this::maintain), 0,
        MAINTENANCE_INTERVAL.toNanos(), TimeUnit.NANOSECONDS));
  }

  // ---- producers ---------------------------------------------------------------------------------------------

  /**
   * A span was queued, making the queue {@code size} long: wakes the worker at a full batch or when nothing else
   * will. Any thread; never blocks.
   */
  void onQueued(int size) {
    if (sealed) {
      sweepAfterShutdown(); // shutdown's last pass may have missed this span: count it as SHUTDOWN
    } else if (size == settings.maxBatchSize() || !armed) {
      signal();
    }
  }

  /**
   * Counts as {@code SHUTDOWN} what is still queued after shutdown's last pass: spans whose producers passed the
   * exporter's "closed" check just before shutdown began. Any thread; one at a time (the queue has one consumer).
   */
  private void sweepAfterShutdown() {
    if (sweeping.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    do {
      while (queue.poll() != null) {
        metrics.recordDropped(DropReason.SHUTDOWN, 1);
      }
      missed = sweeping.addAndGet(-missed);
    } while (missed != 0);
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
      guarded(this::drain);
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  // ---- the worker's loop -------------------------------------------------------------------------------------

  private void drain() {
    if (stopped) {
      return;
    }
    if (failing && disk != null && (drainDue || flushing || queue.size() >= settings.maxBatchSize())) {
      drainDue = false;
      spillQueue();
    }
    maybeLoad();
    fillSlots();
    boolean drainsLater = lingerTimer != null || !hasFreeSlot() || drainTimer != null;
    if (queue.size() > 0 && drainsLater) {
      armed = true;
    } else {
      armed = false;
      if (queue.size() > 0) { // a producer raced the flag: make sure its span is picked up
        armed = true;
        onWorker(this::drain);
      }
    }
    completeFlushWaitersIfIdle();
  }

  private boolean hasFreeSlot() {
    return inFlight.size() + (loading ? 1 : 0) < settings.maxInFlight()
        && inFlightBytes < settings.maxInFlightBytes();
  }

  /** Sends queued spans while a slot is free: full batches at once, a partial one when its linger is up. */
  private void fillSlots() {
    while (hasFreeSlot()) {
      int available = queue.size();
      if (available == 0) {
        break;
      }
      if (available < settings.maxBatchSize() && !flushing) {
        long now = nanoTime.getAsLong();
        if (lingerDeadline < 0) {
          lingerDeadline = now + settings.linger().toNanos();
        }
        if (now - lingerDeadline < 0) {
          armLinger(lingerDeadline - now);
          break;
        }
      }
      BatchBuffer buffer = buffer();
      Batch batch = encoder.next(queue, buffer);
      lingerDeadline = -1;
      if (batch == null) {
        recycle(buffer);
      } else {
        start(batch);
      }
    }
  }

  private void armLinger(long delayNanos) {
    if (lingerTimer == null) {
      lingerTimer = worker.schedule(() -> {
        lingerTimer = null;
        guarded(this::drain);
      }, Math.max(1, delayNanos), TimeUnit.NANOSECONDS);
    }
  }

  /** While the endpoint is failing: moves the queue to disk, as far as the disk stage takes it. */
  private void spillQueue() {
    DiskStage stage = disk;
    if (stage == null) {
      return;
    }
    // At most what is queued now: producers that keep the queue full must not keep the worker here forever.
    int left = queue.size();
    while (left > 0 && stage.refusal(settings.maxBatchBytes()) == null) {
      left -= settings.maxBatchSize();
      BatchBuffer buffer = buffer();
      Batch batch = encoder.next(queue, buffer);
      if (batch == null) {
        recycle(buffer);
        continue;
      }
      leaving.add(batch);
      persist(batch, false, written -> {
        if (!written) {
          accounting.droppedAll(batch, DropReason.DISK_FULL);
        }
        leaving.remove(batch);
        recycle(batch);
      });
    }
  }

  /** Resends the oldest spill file through a free slot: one file at a time. */
  private void maybeLoad() {
    DiskStage stage = disk;
    if (stage == null || loading || stopped || !diskMayHaveFiles || diskBatchesInFlight > 0 || !hasFreeSlot()
        || (failing && !inFlight.isEmpty())) { // while failing, the batches in the slots are the probes
      return;
    }
    loading = true;
    stage.load(next -> {
      loading = false;
      SpillStore.Loaded loaded = next.loaded();
      if (loaded == null) {
        diskMayHaveFiles = false;
        if (next.heldElsewhere() && !stopped) {
          pollDiskLater(); // a file another process holds is free again when that process dies
        }
      } else if (stopped) {
        stage.release(loaded.lease());
      } else {
        start(fromDisk(loaded));
      }
      drain();
    });
  }

  private void pollDiskLater() {
    if (diskPoll == null) {
      Duration interval = settings.retry().initial().compareTo(MIN_DISK_POLL) < 0 ? MIN_DISK_POLL
          : settings.retry().initial();
      diskPoll = worker.schedule(() -> {
        diskPoll = null;
        diskMayHaveFiles = true;
        guarded(this::drain);
      }, interval.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private Batch fromDisk(SpillStore.Loaded loaded) {
    Boolean origin = ownFiles.remove(loaded.lease().name());
    boolean recovered = origin == null || origin;
    if (origin == null) {
      accounting.recovered(loaded.spans());
    }
    int[] spanOf = loaded.spanOf();
    Batch batch = new Batch(loaded.plain(), loaded.offsets(), loaded.lengths(), spanOf, spanOf.length, recovered);
    batch.body = loaded.body();
    batch.lease = loaded.lease();
    batch.leaseCurrent = true;
    batch.persistedCounted = true;
    batch.fromDisk = true;
    return batch;
  }

  // ---- sending -----------------------------------------------------------------------------------------------

  private void start(Batch batch) {
    inFlight.add(batch);
    batch.charged = batch.bytes();
    inFlightBytes += batch.charged;
    if (batch.fromDisk) {
      diskBatchesInFlight++;
    }
    dispatch(batch);
  }

  /** Compresses (once) and posts {@code batch} from the parallel scheduler. */
  private void dispatch(Batch batch) {
    URI target = batch.target != null ? batch.target : trackUrl;
    try {
      compressor.schedule(() -> guarded(() -> send(batch, target)));
    } catch (RuntimeException rejected) {
      send(batch, target);
    }
  }

  /**
   * Runs on a parallel thread: compresses the batch unless its body is kept from an earlier attempt, and posts it.
   * Every outcome goes back to the worker.
   */
  private void send(Batch batch, URI target) {
    byte[] body = batch.body;
    if (body == null) {
      try {
        body = gzips.compress(batch);
      } catch (RuntimeException e) {
        onWorker(() -> {
          sendLog.log("cannot compress a batch; its spans are dropped", e);
          accounting.droppedAll(batch, DropReason.ENCODING_FAILED);
          finish(batch);
          drain();
        });
        return;
      }
      batch.body = body;
    }
    byte[] request = body;
    metrics.recordRequest();
    Mono.defer(() -> sender.send(target, request)).subscribe(
        response -> onWorker(() -> onResponse(batch, target, response)),
        error -> onWorker(() -> onError(batch, error)));
  }

  private void onResponse(Batch batch, URI target, Response response) {
    if (stopped || !inFlight.contains(batch)) {
      return; // shutdown took care of it
    }
    Verdict verdict = ResponseClassifier.classify(response, batch.size());
    if (verdict.kind() == Kind.REDIRECT) {
      redirect(batch, target, response);
    } else {
      settle(batch, verdict, response.retryAfter());
    }
    drain();
  }

  private void onError(Batch batch, Throwable error) {
    if (stopped || !inFlight.contains(batch)) {
      return;
    }
    sendLog.log("no answer from " + trackUrl.getHost() + "; retrying", error);
    failing();
    metrics.recordRetried(batch.size());
    retryLater(batch, null);
    drain();
  }

  /** Applies a verdict: counts every item, then retries what is left or finishes the batch. */
  private void settle(Batch batch, Verdict verdict, @Nullable String retryAfter) {
    Outcome[] outcomes = verdict.outcomes();
    boolean[] again = new boolean[outcomes.length];
    int retry = 0;
    for (int i = 0; i < outcomes.length; i++) {
      switch (outcomes[i]) {
        case ACCEPTED -> accounting.accepted(batch, i);
        case RETRY -> {
          again[i] = true;
          retry++;
        }
        case REJECTED -> accounting.dropped(batch, i, DropReason.REJECTED);
        case QUOTA -> accounting.dropped(batch, i, DropReason.QUOTA);
      }
    }
    String detail = verdict.detail();
    if (verdict.kind() == Kind.FAILED || verdict.kind() == Kind.UNTRUSTED) {
      sendLog.log(detail + " from " + trackUrl.getHost() + "; retrying", new ExportFailure(detail));
    } else if (detail != null) {
      dropLog.log(detail, new ExportFailure(detail));
    }
    if (verdict.kind() == Kind.FAILED) {
      failing();
    } else {
      healthy();
    }
    if (retry > 0) {
      batch.retainUnresolved(again);
    }
    if (retry == 0 || batch.size() == 0) {
      finish(batch);
      return;
    }
    inFlightBytes += batch.bytes() - batch.charged;
    batch.charged = batch.bytes();
    metrics.recordRetried(batch.size());
    retryLater(batch, retryAfter);
  }

  private void redirect(Batch batch, URI from, Response response) {
    healthy();
    URI next = IngestionUrls.redirect(from, response.location(), batch.redirects);
    if (next == null) {
      String why = "redirect (" + response.status() + ") to " + response.location() + " not followed";
      dropLog.log(why, new ExportFailure(why));
      accounting.droppedAll(batch, DropReason.REJECTED);
      finish(batch);
      return;
    }
    trackUrl = next; // remembered for later batches
    batch.redirects++;
    batch.target = next;
    dispatch(batch); // keeps its slot
  }

  /**
   * {@code batch} failed (again): after its retry delay it is sent again, holding its slot meanwhile. While the
   * endpoint is failing it is first written to disk (its file stays leased), so a crash during the wait loses
   * nothing of it. Out of retries, it leaves memory.
   */
  private void retryLater(Batch batch, @Nullable String retryAfter) {
    batch.attempts++;
    batch.target = null; // the next attempt goes to the current endpoint (which remembers redirects)
    if (settings.retry().exhausted(batch.attempts)) {
      leaveMemory(batch);
      return;
    }
    Duration delay = settings.retry().delay(batch.attempts, RetrySchedule.parseRetryAfter(retryAfter,
        clock.instant()), random);
    DiskStage stage = disk;
    if (failing && stage != null && !batch.leaseCurrent && stage.refusal(batch.bytes()) == null) {
      persist(batch, true, written -> {
        if (stopped) {
          settleAtStop(batch);
        } else {
          resendAfter(batch, delay);
        }
      });
    } else {
      resendAfter(batch, delay);
    }
  }

  private void resendAfter(Batch batch, Duration delay) {
    worker.schedule(() -> guarded(() -> {
      if (!stopped && inFlight.contains(batch)) {
        dispatch(batch);
      }
    }), delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * {@code batch} used up its retries: it leaves memory for disk (its file is given back if it has a current one,
   * otherwise it is written), or, without room on disk or with persistence off, its spans are dropped.
   */
  private void leaveMemory(Batch batch) {
    DiskStage stage = disk;
    SpillStore.Lease lease = batch.lease;
    if (stage != null && lease != null && batch.leaseCurrent) {
      giveBack(batch, lease, stage);
      if (failing) {
        pollDiskLater(); // the next probe waits a retry interval: no tight loop against a dead endpoint
      } else {
        diskMayHaveFiles = true;
      }
      finish(batch);
      return;
    }
    if (stage == null) {
      accounting.droppedAll(batch, DropReason.RETRIES_EXHAUSTED);
      finish(batch);
      return;
    }
    DropReason refusal = stage.refusal(batch.bytes());
    if (refusal != null) {
      accounting.droppedAll(batch, refusal);
      finish(batch);
      return;
    }
    persist(batch, false, written -> {
      if (!written) {
        accounting.droppedAll(batch, DropReason.DISK_FULL);
      }
      finish(batch);
      drain();
    });
  }

  /**
   * Lets go of {@code batch}'s current file: its spans wait there, still this exporter's (a later read counts them
   * as its own again).
   */
  private void giveBack(Batch batch, SpillStore.Lease lease, DiskStage stage) {
    batch.lease = null;
    ownFiles.put(lease.name(), batch.recovered);
    stage.release(lease);
  }

  /**
   * Writes {@code batch}'s current envelopes to disk, then runs {@code then} on the worker with whether it worked.
   * The file is registered as this exporter's before it exists, so that reading it back counts its spans right.
   */
  private void persist(Batch batch, boolean keep, java.util.function.Consumer<Boolean> then) {
    DiskStage stage = java.util.Objects.requireNonNull(disk);
    String name = stage.newName();
    ownFiles.put(name, batch.recovered);
    batch.writing = true;
    writes++;
    stage.write(name, batch, keep, lease -> {
      writes--;
      batch.writing = false;
      if (lease == null) {
        ownFiles.remove(name);
      } else {
        accounting.persisted(batch);
        SpillStore.Lease replaced = batch.lease;
        if (replaced != null) {
          stage.delete(replaced); // an older copy: the new file supersedes it
        }
        batch.lease = keep ? lease : null;
        batch.leaseCurrent = keep;
        if (!keep) {
          diskMayHaveFiles = true;
        }
      }
      guarded(() -> then.accept(lease != null));
      completeFlushWaitersIfIdle();
    });
  }

  /** {@code batch} is resolved or has left memory: frees its slot, its file (if it holds one) and its buffer. */
  private void finish(Batch batch) {
    if (inFlight.remove(batch)) {
      inFlightBytes -= batch.charged;
      if (batch.fromDisk) {
        diskBatchesInFlight--;
      }
    }
    SpillStore.Lease lease = batch.lease;
    DiskStage stage = disk;
    if (lease != null && stage != null) {
      batch.lease = null;
      stage.delete(lease); // every envelope in it is resolved
    }
    recycle(batch);
  }

  private void failing() {
    if (!failing) {
      failing = true;
      ExporterSettings.Spill spill = settings.spill();
      if (disk != null && spill != null && drainTimer == null && !stopped) {
        long interval = spill.drainInterval().toNanos();
        drainTimer = worker.schedulePeriodically(() -> guarded(() -> {
          drainDue = true;
          drain();
        }), interval, interval, TimeUnit.NANOSECONDS);
      }
    }
  }

  private void healthy() {
    failing = false;
    Disposable timer = drainTimer;
    if (timer != null) {
      drainTimer = null;
      timer.dispose();
    }
  }

  // ---- buffers -----------------------------------------------------------------------------------------------

  private BatchBuffer buffer() {
    BatchBuffer buffer = buffers.poll();
    return buffer != null ? buffer : new BatchBuffer((int) Math.min(settings.maxBatchBytes() + 64 * 1024,
        Math.max(1024, settings.maxBatchSize() * 700L)));
  }

  private void recycle(BatchBuffer buffer) {
    if (!stopped && buffers.size() <= settings.maxInFlight()) {
      buffers.push(buffer);
    }
  }

  private void recycle(Batch batch) {
    batch.body = null;
    BatchBuffer buffer = batch.buffer;
    if (buffer != null && !batch.writing) {
      batch.buffer = null;
      recycle(buffer);
    }
  }

  // ---- flush, maintenance, shutdown ----------------------------------------------------------------------------

  /** Completes when every span handed over before it is delivered, dropped, or safely on disk. */
  Mono<Void> flush() {
    return Mono.create(sink -> onWorkerOrHere(() -> {
      if (stopped) {
        sink.success();
        return;
      }
      flushWaiters.add(sink);
      flushing = true;
      drainDue = true;
      guarded(this::drain);
    }));
  }

  private void completeFlushWaitersIfIdle() {
    if (flushWaiters.isEmpty() || queue.size() > 0 || writes > 0) {
      return;
    }
    for (Batch batch : inFlight) {
      if (!batch.recovered && !batch.leaseCurrent) {
        return; // own spans that are neither resolved nor on disk
      }
    }
    flushing = false;
    List<MonoSink<Void>> waiters = new ArrayList<>(flushWaiters);
    flushWaiters.clear();
    waiters.forEach(MonoSink::success);
  }

  /** Once a minute: warnings with counts, drops since the last report, the folder's sweep. */
  private void maintain() {
    sendLog.report();
    dropLog.report();
    dropReport.report();
    DiskStage stage = disk;
    if (stage != null && !stopped) {
      stage.sweep(expired -> {
        for (SpillStore.Expired file : expired) {
          Boolean origin = ownFiles.remove(file.name());
          accounting.expired(origin != null && !origin, file.spans());
        }
        diskMayHaveFiles = true;
        drain();
      });
    }
  }

  /**
   * Stops the worker: every batch still in memory is written to disk (a batch whose file is current just gives
   * its file back), and so is everything still queued; with persistence off, or without room on disk, those spans
   * are dropped and counted. Completes when the disk is done, or after {@code timeout}, counting whatever is still
   * on its way to disk as {@code SHUTDOWN}. After it, spans queued late are counted as {@code SHUTDOWN} by whoever
   * sees them.
   */
  Mono<Void> stop(Duration timeout, Scheduler timer) {
    return Mono.<Void>create(sink -> onWorkerOrHere(() -> {
      stopped = true;
      flushWaiters.forEach(MonoSink::success);
      flushWaiters.clear();
      for (Disposable pending : new Disposable[] {lingerTimer, drainTimer, diskPoll, maintenance}) {
        if (pending != null) {
          pending.dispose();
        }
      }
      for (Batch batch : new ArrayList<>(inFlight)) {
        if (!batch.writing) { // a batch being written is settled when its write is done
          guarded(() -> settleAtStop(batch));
        }
      }
      int undelivered = 0;
      if (disk != null) {
        while (queue.size() > 0) {
          Batch batch = encoder.next(queue, new BatchBuffer(64 * 1024));
          if (batch != null) {
            inFlight.add(batch); // as if in a slot, so settleAtStop finishes it like the others
            guarded(() -> settleAtStop(batch));
          }
        }
      } else {
        while (queue.poll() != null) {
          metrics.recordDropped(DropReason.SHUTDOWN, 1);
          undelivered++;
        }
      }
      sealed = true;
      sweepAfterShutdown();
      if (undelivered > 0) {
        logger.warn("Application Insights exporter shut down with {} queued span(s) undelivered and persistence off",
            undelivered);
      }
      DiskStage stage = disk;
      if (stage == null) {
        sink.success();
      } else {
        stage.whenIdle(sink::success);
      }
    })).timeout(timeout, Mono.create(sink -> onWorkerOrHere(() -> {
      // The disk did not finish in time: what is still on its way there is counted now (a write that completes
      // later leaves a file the next run delivers as recovered).
      for (Batch batch : new ArrayList<>(inFlight)) {
        accounting.droppedAll(batch, DropReason.SHUTDOWN);
      }
      for (Batch batch : new ArrayList<>(leaving)) {
        accounting.droppedAll(batch, DropReason.SHUTDOWN);
      }
      sink.success();
    })), timer).doFinally(signal -> onWorkerOrHere(() -> {
      sendLog.report();
      dropLog.report();
      dropReport.report();
    }));
  }

  /** At shutdown: gives back {@code batch}'s current file, or writes it, or drops it with the reason. */
  private void settleAtStop(Batch batch) {
    DiskStage stage = disk;
    SpillStore.Lease lease = batch.lease;
    if (stage != null && lease != null && batch.leaseCurrent) {
      giveBack(batch, lease, stage);
      finish(batch);
      return;
    }
    DropReason refusal = stage == null ? DropReason.SHUTDOWN : stage.refusal(batch.bytes());
    if (refusal != null) {
      accounting.droppedAll(batch, refusal);
      finish(batch);
      return;
    }
    persist(batch, false, written -> {
      if (!written) {
        accounting.droppedAll(batch, DropReason.DISK_FULL);
      }
      finish(batch);
    });
  }

  // ---- threading helpers ---------------------------------------------------------------------------------------

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

  /** Runs {@code task} on the worker, guarded; dropped if the worker is gone (everything was counted by then). */
  void onWorker(Runnable task) {
    try {
      worker.schedule(() -> guarded(task));
    } catch (RuntimeException rejected) {
      // shut down
    }
  }

  private void onWorkerOrHere(Runnable task) {
    try {
      worker.schedule(() -> guarded(task));
    } catch (RuntimeException rejected) {
      guarded(task);
    }
  }

  /** The current track URL (follows remembered redirects). */
  URI trackUrl() {
    return trackUrl;
  }

  /** A status or an unreadable answer, logged as a failure. */
  static final class ExportFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ExportFailure(@Nullable String message) {
      super(message, null, false, false);
    }
  }
}
