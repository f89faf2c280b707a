package io.weft.exporter.azure;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Accounts for every span handed to the exporter: each ends as exactly one of delivered or dropped (with a reason),
 * or is still pending (queued, in flight, waiting for a retry). The invariant {@code handedOver == delivered +
 * dropped + pending} holds at every observation, because pending is derived from the others.
 *
 * <p>A span counts as delivered when every envelope it produced was accepted (a span with a recorded exception on
 * a request or root produces two), and as dropped the first time one of its envelopes is dropped.
 *
 * <p>Thread-safe.
 */
public final class ExporterMetrics {
  /** Why spans were dropped. */
  public enum DropReason {
    /** The queue was full when the span was handed over (the endpoint is slow or down, or the producer too fast). */
    QUEUE_FULL,
    /** An envelope was over the service's 64 KB item limit. */
    TOO_LARGE,
    /** The service rejected it as invalid (400, 404, other 4xx, or a per-item non-retryable error). */
    REJECTED,
    /** The service refused it for quota (402, 439). */
    QUOTA,
    /** Retryable failures outlasted the retry budget, with persistence off (with it on, the spans wait on disk). */
    RETRIES_EXHAUSTED,
    /**
     * The exporter shut down before it could be delivered, with persistence off, or the disk did not take it within
     * the shutdown timeout; also a span handed over after shutdown.
     */
    SHUTDOWN,
    /** The span could not be encoded. */
    ENCODING_FAILED,
    /** It had to leave memory (retries used up, or shutdown) and the spill folder was full or not writable. */
    DISK_FULL,
    /**
     * It had to leave memory (retries used up, or shutdown) while the disk stage already had its backlog of bytes
     * waiting to be written: the disk was slower than the spans.
     */
    DISK_BACKLOG,
    /** It waited on disk longer than the retention. */
    EXPIRED
  }

  // Hand-overs are not counted on the producer's path (one atomic less per span): the queue derives them.
  private final LongSupplier handedOver;
  private final LongAdder delivered = new LongAdder();
  private final LongAdder retried = new LongAdder();
  private final LongAdder requests = new LongAdder();
  private final LongAdder persisted = new LongAdder();
  private final LongAdder recovered = new LongAdder();
  private final LongAdder recoveredDelivered = new LongAdder();
  private final LongAdder recoveredDropped = new LongAdder();
  private final LongAdder internalFailures = new LongAdder();
  private final LongAdder[] dropped = new LongAdder[DropReason.values().length];

  ExporterMetrics(LongSupplier handedOver) {
    this.handedOver = handedOver;
    for (int i = 0; i < dropped.length; i++) {
      dropped[i] = new LongAdder();
    }
  }

  void recordInternalFailure() {
    internalFailures.increment();
  }

  /**
   * Failures inside the exporter itself (a bug, or a blocking call caught by a tool such as BlockHound on its
   * threads): each is counted here and logged (rate-limited), and the exporter carries on. Expected to stay 0.
   */
  public long internalFailures() {
    return internalFailures.sum();
  }

  void recordDelivered(long spans) {
    delivered.add(spans);
  }

  void recordRetried(long envelopes) {
    retried.add(envelopes);
  }

  void recordRequest() {
    requests.increment();
  }

  void recordPersisted(long spans) {
    persisted.add(spans);
  }

  void recordRecovered(long spans) {
    recovered.add(spans);
  }

  void recordRecoveredDelivered(long spans) {
    recoveredDelivered.add(spans);
  }

  void recordRecoveredDropped(long spans) {
    recoveredDropped.add(spans);
  }

  /**
   * Spans written to the spill folder by this exporter, each counted once (they stay pending until delivered or
   * dropped). Zero while the endpoint accepts everything: only a failing endpoint makes the exporter spill.
   */
  public long persisted() {
    return persisted.sum();
  }

  /**
   * Spans read back from spill files an earlier exporter (a previous run) left behind. They are accounted apart
   * from this exporter's own hand-overs: {@link #recoveredDelivered()} and {@link #recoveredDropped()}.
   */
  public long recovered() {
    return recovered.sum();
  }

  /** Recovered spans delivered. */
  public long recoveredDelivered() {
    return recoveredDelivered.sum();
  }

  /** Recovered spans dropped (rejected, expired, or no room left on disk). */
  public long recoveredDropped() {
    return recoveredDropped.sum();
  }

  void recordDropped(DropReason reason, long spans) {
    dropped[reason.ordinal()].add(spans);
  }

  /** Spans handed to {@code export}. */
  public long handedOver() {
    return handedOver.getAsLong();
  }

  /** Spans whose every envelope the service accepted. */
  public long delivered() {
    return delivered.sum();
  }

  /** Envelopes sent again after a retryable failure. */
  public long retried() {
    return retried.sum();
  }

  /** HTTP requests sent (retries and redirects included). */
  public long requests() {
    return requests.sum();
  }

  /** Spans dropped for {@code reason}. */
  public long dropped(DropReason reason) {
    return dropped[reason.ordinal()].sum();
  }

  /** Spans dropped for any reason. */
  public long dropped() {
    long total = 0;
    for (LongAdder count : dropped) {
      total += count.sum();
    }
    return total;
  }

  /**
   * Spans neither delivered nor dropped yet: queued, in flight, waiting for a retry, or on disk. Spans on disk stay
   * pending here even when another process (sharing the folder) delivers them.
   */
  public long pending() {
    // Read the outcomes before the hand-overs, so a concurrent hand-over can only make pending larger, never < 0.
    long done = delivered.sum() + dropped();
    return handedOver() - done;
  }

  /** The drop counts by reason. */
  public Map<DropReason, Long> droppedByReason() {
    Map<DropReason, Long> snapshot = new EnumMap<>(DropReason.class);
    for (DropReason reason : DropReason.values()) {
      snapshot.put(reason, dropped[reason.ordinal()].sum());
    }
    return snapshot;
  }

  @Override
  public String toString() {
    return "ExporterMetrics{handedOver=" + handedOver() + ", delivered=" + delivered() + ", dropped="
        + droppedByReason() + ", pending=" + pending() + ", persisted=" + persisted() + ", retried=" + retried()
        + ", requests=" + requests() + (internalFailures() > 0 ? ", internalFailures=" + internalFailures() : "")
        + (recovered() > 0 ? ", recovered=" + recovered() + " (delivered "
        + recoveredDelivered() + ", dropped " + recoveredDropped() + ")" : "") + "}";
  }
}
