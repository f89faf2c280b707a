package io.weft.exporter.azure;

import io.weft.core.instrumentation.FailureLog;
import io.weft.exporter.azure.ExporterMetrics.DropReason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.Exceptions;
import reactor.core.scheduler.Scheduler;

/**
 * The disk stage: runs the worker's spill work (compress, write, read back, delete, release, sweep) on
 * bounded-elastic against one {@link SpillStore}, and hands every result back to the worker.
 *
 * <p>It never buffers: at most {@code maxBacklog} uncompressed bytes are in its hands at once (from the hand-over
 * until the worker has the batch back), and the worker asks {@link #refusal} before it hands anything over. The cap
 * is checked before compressing, so a full folder costs no CPU.
 *
 * <p>Threading: called on the worker only; callbacks run on the worker (through {@code onWorker}). A failure
 * inside a task is counted as an internal failure, logged, and reported to the callback as "nothing done".
 */
final class DiskStage {
  private final SpillStore store;
  private final Gzip.Pool gzips;
  private final long maxBacklog;
  private final Scheduler io;
  private final Consumer<Runnable> onWorker;
  private final ExporterMetrics metrics;
  private final FailureLog log;
  private final AtomicLong backlog = new AtomicLong();
  private final AtomicInteger inProgress = new AtomicInteger();
  // Worker-confined: run when no task is in progress.
  private final List<Runnable> whenIdle = new ArrayList<>();

  DiskStage(SpillStore store, Gzip.Pool gzips, long maxBacklog, Scheduler io, Consumer<Runnable> onWorker,
      ExporterMetrics metrics, FailureLog log) {
    this.store = store;
    this.gzips = gzips;
    this.maxBacklog = maxBacklog;
    this.io = io;
    this.onWorker = onWorker;
    this.metrics = metrics;
    this.log = log;
  }

  boolean enabled() {
    return store.enabled();
  }

  /**
   * Why {@code bytes} more cannot be handed over now, or null when they can: {@code DISK_FULL} when the folder is
   * at its cap or persistence is off, {@code DISK_BACKLOG} when the bytes already waiting leave no room.
   */
  @Nullable DropReason refusal(long bytes) {
    if (!store.hasRoom()) {
      return DropReason.DISK_FULL;
    }
    return backlog.get() + bytes > maxBacklog ? DropReason.DISK_BACKLOG : null;
  }

  /** A name for the next file; callers register it as theirs before the file exists. */
  String newName() {
    return store.newName();
  }

  /**
   * Writes {@code batch}'s current envelopes as file {@code name} (compressing them unless the batch has its body
   * already), then calls {@code done} with the file's lease (held with {@code keep}), or null when it could not be
   * written (full, or an I/O error). The worker must leave the batch alone until then.
   */
  void write(String name, Batch batch, boolean keep, Consumer<SpillStore.@Nullable Lease> done) {
    long bytes = batch.bytes();
    // The batch counts against the backlog until the worker has it back, not just until it is written: a busy
    // worker must not collect finished writes (and their buffers) faster than it takes them back.
    backlog.addAndGet(bytes);
    submit(() -> {
      SpillStore.Lease lease = null;
      if (store.hasRoom()) {
        byte[] body = batch.body;
        lease = store.write(name, body != null ? body : gzips.compress(batch), batch.spanTable(), keep);
      }
      SpillStore.Lease written = lease;
      onWorker.accept(() -> {
        backlog.addAndGet(-bytes);
        done.accept(written);
      });
    }, () -> {
      backlog.addAndGet(-bytes);
      done.accept(null);
    });
  }

  /** Leases and reads the oldest file nobody holds; {@code done} gets what was found. */
  void load(Consumer<SpillStore.Next> done) {
    submit(() -> {
      SpillStore.Next next = store.next();
      onWorker.accept(() -> done.accept(next));
    }, () -> done.accept(new SpillStore.Next(null, false)));
  }

  /** Deletes a leased file (its spans are resolved). */
  void delete(SpillStore.Lease lease) {
    submit(() -> store.delete(lease), () -> {});
  }

  /** Gives a leased file back for a later attempt. */
  void release(SpillStore.Lease lease) {
    submit(() -> store.release(lease), () -> {});
  }

  /** Lists the folder again and purges expired files; {@code done} gets them. */
  void sweep(Consumer<List<SpillStore.Expired>> done) {
    submit(() -> {
      List<SpillStore.Expired> expired = store.sweep();
      onWorker.accept(() -> done.accept(expired));
    }, () -> done.accept(List.of()));
  }

  /** Runs {@code action} on the worker once no task is in progress (at once if none is). Worker only. */
  void whenIdle(Runnable action) {
    if (inProgress.get() == 0) {
      action.run();
    } else {
      whenIdle.add(action);
    }
  }

  private void submit(Runnable task, Runnable onFailure) {
    inProgress.incrementAndGet();
    Runnable guarded = () -> {
      try {
        task.run();
      } catch (Throwable error) {
        Exceptions.throwIfFatal(error);
        metrics.recordInternalFailure();
        log.log("a disk task failed", error);
        onWorker.accept(onFailure);
      } finally {
        if (inProgress.decrementAndGet() == 0) {
          onWorker.accept(this::runIdleActions);
        }
      }
    };
    try {
      io.schedule(guarded);
    } catch (RuntimeException rejected) { // bounded-elastic disposed: no disk I/O on the worker, nothing done
      onWorker.accept(onFailure);
      if (inProgress.decrementAndGet() == 0) {
        onWorker.accept(this::runIdleActions);
      }
    }
  }

  private void runIdleActions() {
    if (inProgress.get() != 0 || whenIdle.isEmpty()) {
      return;
    }
    List<Runnable> actions = new ArrayList<>(whenIdle);
    whenIdle.clear();
    actions.forEach(Runnable::run);
  }
}
