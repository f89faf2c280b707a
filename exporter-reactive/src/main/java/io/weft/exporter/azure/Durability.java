package io.weft.exporter.azure;

import io.weft.exporter.azure.ExporterMetrics.DropReason;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * What the worker does with spans at risk: the policy of the spill stage. {@link DiskDurability} keeps them on
 * disk while the endpoint is failing; {@link None} (persistence off) drops what cannot be delivered, with a reason.
 *
 * <p>Every method is called on the exporter's worker; callbacks run there too. The worker tells it what happened
 * to requests ({@link #requestFailed}, {@link #answered}) and asks it at each decision point.
 */
interface Durability {

  /** A request failed without an answer worth trusting (a retryable status, no answer at all). */
  void requestFailed();

  /** The endpoint answered. */
  void answered();

  /** At the start of each worker pass: moves queued spans out of memory when that is due. */
  void beforeFill(boolean flushing);

  /** Whether a timer of its own will run the worker's pass again (producers need not wake it). */
  boolean drainsLater();

  /** A slot may be free: starts a batch read back from disk through {@code start}, if one is worth sending. */
  void refill(Consumer<Batch> start);

  /**
   * {@code batch} failed and will be sent again: {@code thenWait} once it may wait for its retry (which may be
   * after shutdown began: the callback checks).
   */
  void beforeRetry(Batch batch, Runnable thenWait);

  /** {@code batch} used up its retries: it leaves memory, then {@code finish} frees its slot. */
  void leaveMemory(Batch batch, Runnable finish);

  /** At shutdown, for a batch still in memory: then {@code finish}. */
  void atStop(Batch batch, Runnable finish);

  /** At shutdown, for what is still queued. */
  void stopQueue();

  /** {@code batch} is done with: its file, if it holds one, is deleted. */
  void resolved(Batch batch);

  /** Whether disk writes are in progress. */
  boolean busy();

  /** Once a minute. */
  void maintain();

  /** Stops timers and reading back; later work is shutdown's. */
  void stop();

  /** Runs {@code action} once no disk work is in progress. */
  void whenIdle(Runnable action);

  /** Shutdown ran out of time: counts what is still on its way to disk as {@code SHUTDOWN}. */
  void abandon();

  /** Persistence off: what outlasts its retries or is left at shutdown is dropped, with the reason. */
  final class None implements Durability {
    private final SpanQueue queue;
    private final Accounting accounting;
    private final ExporterMetrics metrics;
    private final Logger logger;

    None(SpanQueue queue, Accounting accounting, ExporterMetrics metrics, Logger logger) {
      this.queue = queue;
      this.accounting = accounting;
      this.metrics = metrics;
      this.logger = logger;
    }

    @Override
    public void requestFailed() {}

    @Override
    public void answered() {}

    @Override
    public void beforeFill(boolean flushing) {}

    @Override
    public boolean drainsLater() {
      return false;
    }

    @Override
    public void refill(Consumer<Batch> start) {}

    @Override
    public void beforeRetry(Batch batch, Runnable thenWait) {
      thenWait.run();
    }

    @Override
    public void leaveMemory(Batch batch, Runnable finish) {
      accounting.droppedAll(batch, DropReason.RETRIES_EXHAUSTED);
      finish.run();
    }

    @Override
    public void atStop(Batch batch, Runnable finish) {
      accounting.droppedAll(batch, DropReason.SHUTDOWN);
      finish.run();
    }

    @Override
    public void stopQueue() {
      int undelivered = 0;
      while (queue.poll() != null) {
        metrics.recordDropped(DropReason.SHUTDOWN, 1);
        undelivered++;
      }
      if (undelivered > 0) {
        logger.warn("Application Insights exporter shut down with {} queued span(s) undelivered and persistence off",
            undelivered);
      }
    }

    @Override
    public void resolved(Batch batch) {}

    @Override
    public boolean busy() {
      return false;
    }

    @Override
    public void maintain() {}

    @Override
    public void stop() {}

    @Override
    public void whenIdle(Runnable action) {
      action.run();
    }

    @Override
    public void abandon() {}
  }
}
