package io.weft.exporter.azure;

import io.weft.core.instrumentation.FailureLog;
import io.weft.exporter.azure.ExporterMetrics.DropReason;
import io.weft.exporter.azure.ResponseClassifier.Kind;
import io.weft.exporter.azure.ResponseClassifier.Outcome;
import io.weft.exporter.azure.ResponseClassifier.Verdict;
import io.weft.exporter.azure.Sender.Response;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * The exporter's worker: one serial thread that moves batches between the stages and owns their state, so none of
 * it needs a lock and the accounting is exact. Producers only touch the {@link SpanQueue} and wake the worker.
 *
 * <p>Each pass: the {@link Durability} policy may move queued spans to disk (endpoint failing) or put a file back
 * into a slot; then, while {@link SendSlots} are free, the {@link Linger} window says whether a batch goes now,
 * {@link BatchEncoder} writes it, and it is compressed ({@link Gzip}) and posted ({@link Sender}) from the parallel
 * scheduler. Each answer comes back here: {@link ResponseClassifier} says what happened to each item, {@link
 * Accounting} counts it, what is retryable waits its {@link RetrySchedule} delay holding its slot (after the
 * durability policy had its say), and out of retries it leaves memory by the durability policy's rule.
 *
 * <p>Threading: {@link #onQueued} from any thread (it never blocks: one atomic at most); everything else on the
 * worker. Every outcome from another thread (a response, a disk result) is handed back to the worker. Failures
 * inside the worker are counted ({@code internalFailures}) and logged, never thrown into a scheduler.
 */
final class ExportWorker {
  private static final Duration MAINTENANCE_INTERVAL = Duration.ofMinutes(1);

  private final SpanQueue queue;
  private final BatchEncoder encoder;
  private final Sender sender;
  private final Gzip.Pool gzips;
  private final Accounting accounting;
  private final ExporterMetrics metrics;
  private final RetrySchedule retry;
  private final Scheduler.Worker worker;
  private final Scheduler compressor;
  private final RandomGenerator random;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final FailureLog sendLog;
  private final FailureLog dropLog;
  private final DropReport dropReport;
  private final int fullBatch;
  private final SendSlots slots;
  private final Linger linger;
  private final BufferPool buffers;
  private final Durability durability;

  // Producers' side.
  private final AtomicInteger wip = new AtomicInteger();
  // True while a timer or an answer will run a pass anyway: producers then need not wake the worker.
  private volatile boolean armed;
  // Set after shutdown's last pass over the queue: spans queued later are counted by whoever sees the flag.
  private volatile boolean sealed;
  private final AtomicInteger sweeping = new AtomicInteger();

  // Worker-confined.
  private URI trackUrl;
  private @Nullable Disposable lingerTimer;
  private @Nullable Disposable maintenance;
  private final List<MonoSink<Void>> flushWaiters = new ArrayList<>();
  private boolean flushing;
  private boolean stopped;

  /**
   * A worker over {@code queue}; {@code durability} is made from the worker's parts (the spill policy needs the
   * same slots, buffers and pass).
   */
  ExportWorker(ExporterSettings settings, SpanQueue queue, BatchEncoder encoder, Sender sender, Gzip.Pool gzips,
      ExporterMetrics metrics, Scheduler.Worker worker, ExporterThreads threads, FailureLog sendLog,
      FailureLog dropLog, Logger logger, Function<Parts, Durability> durability) {
    this.queue = queue;
    this.encoder = encoder;
    this.sender = sender;
    this.gzips = gzips;
    this.metrics = metrics;
    this.accounting = new Accounting(metrics);
    this.retry = settings.retry();
    this.worker = worker;
    this.compressor = threads.compressor();
    this.random = threads.random();
    this.clock = threads.clock();
    this.nanoTime = threads.nanoTime();
    this.sendLog = sendLog;
    this.dropLog = dropLog;
    this.dropReport = new DropReport(logger, metrics);
    this.fullBatch = settings.maxBatchSize();
    this.slots = new SendSlots(settings.maxInFlight(), settings.maxInFlightBytes());
    this.linger = new Linger(settings.linger().toNanos(), settings.maxBatchSize());
    this.buffers = new BufferPool(settings.maxInFlight() + 1, (int) Math.min(settings.maxBatchBytes() + 64 * 1024,
        Math.max(1024, settings.maxBatchSize() * 700L)));
    this.trackUrl = settings.connectionString().trackUrl();
    this.durability = durability.apply(new Parts(accounting, encoder, buffers, slots, worker,
        () -> guarded(this::drain)));
  }

  /**
   * Starts the periodic upkeep (its first run sweeps the spill folder at once). Called by the owner once it holds
   * this worker: the sweep's answer comes back through the owner, so starting it from the constructor let a fast
   * disk answer arrive before the owner knew its worker, and the recovered files were never read.
   */
  void start() {
    onWorker(() -> maintenance = worker.schedulePeriodically(() -> guarded(this::maintain), 0,
        MAINTENANCE_INTERVAL.toNanos(), TimeUnit.NANOSECONDS));
  }

  /** What a durability policy shares with the worker. */
  record Parts(Accounting accounting, BatchEncoder encoder, BufferPool buffers, SendSlots slots,
      Scheduler.Worker worker, Runnable pass) {}

  // ---- producers ---------------------------------------------------------------------------------------------

  /**
   * A span was queued, making the queue {@code size} long: wakes the worker at a full batch or when nothing else
   * will. Any thread; never blocks.
   */
  void onQueued(int size) {
    if (sealed) {
      sweepAfterShutdown(); // shutdown's last pass may have missed this span: count it as SHUTDOWN
    } else if (size == fullBatch || !armed) {
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

  // ---- one pass ----------------------------------------------------------------------------------------------

  private void drain() {
    if (stopped) {
      return;
    }
    durability.beforeFill(flushing);
    durability.refill(this::start);
    fillSlots();
    boolean drainsLater = lingerTimer != null || !slots.free() || durability.drainsLater();
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

  /** Sends queued spans while a slot is free: full batches at once, a partial one when its linger is up. */
  private void fillSlots() {
    while (slots.free()) {
      int queued = queue.size();
      if (queued == 0) {
        break;
      }
      long wait = linger.wait(queued, flushing, nanoTime.getAsLong());
      if (wait > 0) {
        armLinger(wait);
        break;
      }
      BatchBuffer buffer = buffers.take();
      Batch batch = encoder.next(queue, buffer);
      if (batch == null) {
        buffers.give(buffer);
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
      }, delayNanos, TimeUnit.NANOSECONDS);
    }
  }

  // ---- sending -----------------------------------------------------------------------------------------------

  private void start(Batch batch) {
    slots.take(batch);
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
   * Runs on a parallel thread: compresses the batch unless its body is kept from an earlier attempt (or its file),
   * and posts it. Every outcome goes back to the worker.
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
    if (stopped || !slots.holds(batch)) {
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
    if (stopped || !slots.holds(batch)) {
      return;
    }
    sendLog.log("no answer from " + trackUrl.getHost() + "; retrying", error);
    durability.requestFailed();
    metrics.recordRetried(batch.size());
    retryLater(batch, null);
    drain();
  }

  /** Applies a verdict: counts every item, then retries what is left or finishes the batch. */
  private void settle(Batch batch, Verdict verdict, @Nullable String retryAfter) {
    Outcome[] outcomes = verdict.outcomes();
    boolean[] again = new boolean[outcomes.length];
    int retries = 0;
    for (int i = 0; i < outcomes.length; i++) {
      switch (outcomes[i]) {
        case ACCEPTED -> accounting.accepted(batch, i);
        case RETRY -> {
          again[i] = true;
          retries++;
        }
        case REJECTED -> accounting.dropped(batch, i, DropReason.REJECTED);
        case QUOTA -> accounting.dropped(batch, i, DropReason.QUOTA);
      }
    }
    accounting.commit();
    String detail = verdict.detail();
    if (verdict.kind() == Kind.FAILED || verdict.kind() == Kind.UNTRUSTED) {
      sendLog.log(detail + " from " + trackUrl.getHost() + "; retrying", new ExportFailure(detail));
    } else if (detail != null) {
      dropLog.log(detail, new ExportFailure(detail));
    }
    if (verdict.kind() == Kind.FAILED) {
      durability.requestFailed();
    } else {
      durability.answered();
    }
    if (retries > 0) {
      batch.retainUnresolved(again);
    }
    if (retries == 0 || batch.size() == 0) {
      finish(batch);
      return;
    }
    slots.recharge(batch);
    metrics.recordRetried(batch.size());
    retryLater(batch, retryAfter);
  }

  private void redirect(Batch batch, URI from, Response response) {
    durability.answered();
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
   * {@code batch} failed (again): after its retry delay it is sent again, holding its slot meanwhile; the
   * durability policy has its say first. Out of retries, it leaves memory by the policy's rule.
   */
  private void retryLater(Batch batch, @Nullable String retryAfter) {
    batch.attempts++;
    batch.target = null; // the next attempt goes to the current endpoint (which remembers redirects)
    if (retry.exhausted(batch.attempts)) {
      durability.leaveMemory(batch, () -> {
        finish(batch);
        drain();
      });
      return;
    }
    Duration delay = retry.delay(batch.attempts, RetrySchedule.parseRetryAfter(retryAfter, clock.instant()),
        random);
    durability.beforeRetry(batch, () -> {
      if (stopped) {
        durability.atStop(batch, () -> finish(batch)); // shutdown skipped it while it was being written
      } else {
        worker.schedule(() -> guarded(() -> {
          if (!stopped && slots.holds(batch)) {
            dispatch(batch);
          }
        }), delay.toNanos(), TimeUnit.NANOSECONDS);
      }
    });
  }

  /** {@code batch} is resolved or has left memory: frees its slot, its file (if it holds one) and its buffer. */
  private void finish(Batch batch) {
    slots.release(batch);
    durability.resolved(batch);
    buffers.giveBack(batch);
  }

  // ---- flush, upkeep, shutdown ---------------------------------------------------------------------------------

  /** Completes when every span handed over before it is delivered, dropped, or safely on disk. */
  Mono<Void> flush() {
    return Mono.create(sink -> onWorkerOrHere(() -> {
      if (stopped) {
        sink.success();
        return;
      }
      flushWaiters.add(sink);
      flushing = true;
      drain();
    }));
  }

  private void completeFlushWaitersIfIdle() {
    if (flushWaiters.isEmpty() || queue.size() > 0 || durability.busy()) {
      return;
    }
    for (Batch batch : slots.batches()) {
      if (!batch.recovered && !batch.leaseCurrent) {
        return; // own spans that are neither resolved nor on disk
      }
    }
    flushing = false;
    List<MonoSink<Void>> waiters = new ArrayList<>(flushWaiters);
    flushWaiters.clear();
    waiters.forEach(MonoSink::success);
  }

  /** Once a minute: warnings with counts, drops since the last report, the spill folder's upkeep. */
  private void maintain() {
    sendLog.report();
    dropLog.report();
    dropReport.report();
    durability.maintain();
  }

  /**
   * Stops the worker: every batch still in memory, and everything still queued, goes by the durability policy's
   * shutdown rule (to disk, or dropped with the reason). Completes when the disk is done, or after {@code timeout}
   * (on {@code timer}), counting what is still on its way to disk as {@code SHUTDOWN}. After it, spans queued late
   * are counted as {@code SHUTDOWN} by whoever sees them.
   */
  Mono<Void> stop(Duration timeout, Scheduler timer) {
    return Mono.<Void>create(sink -> onWorkerOrHere(() -> {
      stopped = true;
      flushWaiters.forEach(MonoSink::success);
      flushWaiters.clear();
      for (Disposable pending : new Disposable[] {lingerTimer, maintenance}) {
        if (pending != null) {
          pending.dispose();
        }
      }
      durability.stop();
      for (Batch batch : slots.batches()) {
        if (!batch.writing) { // a batch being written is settled when its write is done
          guarded(() -> durability.atStop(batch, () -> finish(batch)));
        }
      }
      durability.stopQueue();
      sealed = true;
      sweepAfterShutdown();
      durability.whenIdle(sink::success);
    })).timeout(timeout, Mono.create(sink -> onWorkerOrHere(() -> {
      // The disk did not finish in time: what is still on its way there is counted now (a write that completes
      // later leaves a file the next run delivers as recovered).
      for (Batch batch : slots.batches()) {
        accounting.droppedAll(batch, DropReason.SHUTDOWN);
      }
      durability.abandon();
      sink.success();
    })), timer).doFinally(signal -> onWorkerOrHere(() -> {
      buffers.close();
      sendLog.report();
      dropLog.report();
      dropReport.report();
    }));
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

  /** A status or an unreadable answer, logged as a failure. */
  static final class ExportFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ExportFailure(@Nullable String message) {
      super(message, null, false, false);
    }
  }
}
