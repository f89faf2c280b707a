package io.weft.exporter.azure;

import io.weft.exporter.azure.ExporterMetrics.DropReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * The spill policy with persistence on: nothing touches the disk while the endpoint answers; once a request fails,
 * what is at risk goes there, and comes back when the endpoint does.
 *
 * <ul>
 *   <li><b>Failing</b> (a retryable status or no answer, until the next answer): a failed batch is written to disk
 *       before it waits to retry, and keeps its file leased while it waits in memory; the queue is moved to disk
 *       at least every {@code drainInterval}; a batch out of retries gives its file back (or is written) and
 *       leaves memory. A crash loses at most what was handed over in the last interval.
 *   <li><b>Reading back</b>: a free slot resends the oldest file nobody holds, one file at a time; while failing,
 *       only when no batch is in a slot (the batches in the slots are the probes), and after a released file, only
 *       after a retry interval. A file another process holds is tried again every retry interval, so a crashed
 *       process's files come back within it.
 *   <li><b>Accounting</b>: files written by this exporter are known by name, so reading one back counts its spans
 *       as this exporter's; anything else read is {@code recovered}.
 * </ul>
 *
 * <p>Worker-confined: not thread-safe, by design; the {@link DiskStage} reports back on the worker.
 */
final class DiskDurability implements Durability {
  private static final Duration MIN_POLL = Duration.ofMillis(100);

  private final DiskStage disk;
  private final Accounting accounting;
  private final SpanQueue queue;
  private final BatchEncoder encoder;
  private final BufferPool buffers;
  private final SendSlots slots;
  private final Scheduler.Worker worker;
  private final Runnable pass;
  private final Duration drainInterval;
  private final Duration pollInterval;
  private final int fullBatch;
  private final long maxBatchBytes;

  private boolean failing;
  private @Nullable Disposable drainTimer;
  private boolean drainDue;
  private boolean mayHaveFiles = true;
  private @Nullable Disposable poll;
  private boolean stopped;
  // Files this exporter wrote and has not read back, by name: whether their spans were recovered ones.
  private final Map<String, Boolean> ownFiles = new HashMap<>();
  private int writes;
  // Batches leaving memory for disk without a slot (the queue's), until their write is done.
  private final List<Batch> leaving = new ArrayList<>();

  DiskDurability(DiskStage disk, Accounting accounting, SpanQueue queue, BatchEncoder encoder, BufferPool buffers,
      SendSlots slots, Scheduler.Worker worker, Runnable pass, ExporterSettings settings,
      ExporterSettings.Spill spill) {
    this.disk = disk;
    this.accounting = accounting;
    this.queue = queue;
    this.encoder = encoder;
    this.buffers = buffers;
    this.slots = slots;
    this.worker = worker;
    this.pass = pass;
    this.drainInterval = spill.drainInterval();
    this.pollInterval = settings.retry().initial().compareTo(MIN_POLL) < 0 ? MIN_POLL : settings.retry().initial();
    this.fullBatch = settings.maxBatchSize();
    this.maxBatchBytes = settings.maxBatchBytes();
  }

  // ---- the endpoint's health ---------------------------------------------------------------------------------

  @Override
  public void requestFailed() {
    if (!failing && !stopped) {
      failing = true;
      long interval = drainInterval.toNanos();
      drainTimer = worker.schedulePeriodically(() -> {
        drainDue = true;
        pass.run();
      }, interval, interval, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void answered() {
    failing = false;
    Disposable timer = drainTimer;
    if (timer != null) {
      drainTimer = null;
      timer.dispose();
    }
  }

  @Override
  public boolean drainsLater() {
    return drainTimer != null;
  }

  // ---- to disk -------------------------------------------------------------------------------------------------

  @Override
  public void beforeFill(boolean flushing) {
    if (failing && (drainDue || flushing || queue.size() >= fullBatch)) {
      drainDue = false;
      spillQueue();
    }
  }

  /** While failing: moves the queue to disk, as far as the disk stage takes it. */
  private void spillQueue() {
    // At most what is queued now: producers that keep the queue full must not keep the worker here forever.
    int left = queue.size();
    while (left > 0 && disk.refusal(maxBatchBytes) == null) {
      left -= fullBatch;
      BatchBuffer buffer = buffers.take();
      Batch batch = encoder.next(queue, buffer);
      if (batch == null) {
        buffers.give(buffer);
        continue;
      }
      leaving.add(batch);
      write(batch, false, written -> {
        if (!written) {
          accounting.droppedAll(batch, DropReason.DISK_FULL);
        }
        leaving.remove(batch);
        buffers.giveBack(batch);
      });
    }
  }

  @Override
  public void beforeRetry(Batch batch, Runnable thenWait) {
    if (failing && !batch.leaseCurrent && disk.refusal(batch.bytes()) == null) {
      write(batch, true, written -> thenWait.run());
    } else {
      thenWait.run();
    }
  }

  @Override
  public void leaveMemory(Batch batch, Runnable finish) {
    if (batch.lease != null && batch.leaseCurrent) { // its file goes back to the folder, to be read later
      if (failing) {
        pollLater(); // the next probe waits a retry interval: no tight loop against a dead endpoint
      } else {
        mayHaveFiles = true;
      }
    }
    toDisk(batch, finish);
  }

  @Override
  public void atStop(Batch batch, Runnable finish) {
    toDisk(batch, finish);
  }

  /**
   * Takes {@code batch} out of memory: gives back its file if that holds exactly its envelopes, else writes them,
   * or drops them with the disk's reason; then {@code finish}.
   */
  private void toDisk(Batch batch, Runnable finish) {
    SpillStore.Lease lease = batch.lease;
    if (lease != null && batch.leaseCurrent) {
      giveBack(batch, lease);
      finish.run();
      return;
    }
    DropReason refusal = disk.refusal(batch.bytes());
    if (refusal != null) {
      accounting.droppedAll(batch, refusal);
      finish.run();
      return;
    }
    write(batch, false, written -> {
      if (!written) {
        accounting.droppedAll(batch, DropReason.DISK_FULL);
      }
      finish.run();
    });
  }

  @Override
  public void stopQueue() {
    while (queue.size() > 0) {
      Batch batch = encoder.next(queue, new BatchBuffer(64 * 1024));
      if (batch != null) {
        leaving.add(batch);
        atStop(batch, () -> leaving.remove(batch));
      }
    }
  }

  /** Lets go of {@code batch}'s current file: its spans wait there, still this exporter's. */
  private void giveBack(Batch batch, SpillStore.Lease lease) {
    batch.lease = null;
    ownFiles.put(lease.name(), batch.recovered);
    disk.release(lease);
  }

  /**
   * Writes {@code batch}'s current envelopes to disk, then runs {@code then} with whether it worked. The file is
   * registered as this exporter's before it exists, so that reading it back counts its spans right.
   */
  private void write(Batch batch, boolean keep, Consumer<Boolean> then) {
    String name = disk.newName();
    ownFiles.put(name, batch.recovered);
    batch.writing = true;
    writes++;
    disk.write(name, batch, keep, lease -> {
      writes--;
      batch.writing = false;
      if (lease == null) {
        ownFiles.remove(name);
      } else {
        accounting.persisted(batch);
        SpillStore.Lease replaced = batch.lease;
        if (replaced != null) {
          disk.delete(replaced); // an older copy: the new file supersedes it
        }
        batch.lease = keep ? lease : null;
        batch.leaseCurrent = keep;
        if (!keep) {
          mayHaveFiles = true;
        }
      }
      then.accept(lease != null);
      pass.run(); // a flush may be waiting for this write
    });
  }

  @Override
  public void resolved(Batch batch) {
    SpillStore.Lease lease = batch.lease;
    if (lease != null) {
      batch.lease = null;
      disk.delete(lease); // every envelope in it is resolved
    }
  }

  @Override
  public boolean busy() {
    return writes > 0;
  }

  // ---- from disk -----------------------------------------------------------------------------------------------

  @Override
  public void refill(Consumer<Batch> start) {
    if (stopped || !mayHaveFiles || slots.reserved() || slots.fromDisk() > 0 || !slots.free()
        || (failing && !slots.isEmpty())) { // while failing, the batches in the slots are the probes
      return;
    }
    slots.reserve(true);
    disk.load(next -> {
      slots.reserve(false);
      SpillStore.Loaded loaded = next.loaded();
      if (loaded == null) {
        mayHaveFiles = false;
        if (next.heldElsewhere() && !stopped) {
          pollLater(); // a file another process holds is free again when that process dies
        }
      } else if (stopped) {
        disk.release(loaded.lease());
      } else {
        start.accept(fromDisk(loaded));
      }
      pass.run();
    });
  }

  private void pollLater() {
    if (poll == null && !stopped) {
      poll = worker.schedule(() -> {
        poll = null;
        mayHaveFiles = true;
        pass.run();
      }, pollInterval.toNanos(), TimeUnit.NANOSECONDS);
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

  // ---- upkeep and shutdown -------------------------------------------------------------------------------------

  @Override
  public void maintain() {
    if (stopped) {
      return;
    }
    disk.sweep(expired -> {
      for (SpillStore.Expired file : expired) {
        Boolean origin = ownFiles.remove(file.name());
        accounting.expired(origin != null && !origin, file.spans());
      }
      mayHaveFiles = true;
      pass.run();
    });
  }

  @Override
  public void stop() {
    stopped = true;
    answered(); // no drain timer
    Disposable pending = poll;
    if (pending != null) {
      poll = null;
      pending.dispose();
    }
  }

  @Override
  public void whenIdle(Runnable action) {
    disk.whenIdle(action);
  }

  @Override
  public void abandon() {
    for (Batch batch : new ArrayList<>(leaving)) {
      accounting.droppedAll(batch, DropReason.SHUTDOWN);
    }
  }
}
