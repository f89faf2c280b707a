package io.weft.exporter.azure;

import io.weft.exporter.azure.ExporterMetrics.DropReason;

/**
 * The accounting stage: turns what happens to envelopes into what happens to spans, exactly once per span, in
 * {@link ExporterMetrics}. A span is delivered when its last envelope is accepted and dropped the first time one of
 * its envelopes is; spans read back from files this exporter did not write count apart ({@code recovered…}).
 *
 * <p>Worker-confined (the batches are); the counters it writes are thread-safe.
 */
final class Accounting {
  private final ExporterMetrics metrics;
  // Deliveries counted by accepted() and not yet added to the metrics: one add per answer, not one per span.
  private int delivered;
  private int recoveredDelivered;

  Accounting(ExporterMetrics metrics) {
    this.metrics = metrics;
  }

  /** Envelope {@code envelope} was accepted; call {@link #commit()} once the answer is applied. */
  void accepted(Batch batch, int envelope) {
    if (batch.accept(envelope)) {
      if (batch.recovered) {
        recoveredDelivered++;
      } else {
        delivered++;
      }
    }
  }

  /** Adds the deliveries counted since the last call to the metrics. */
  void commit() {
    if (delivered > 0) {
      metrics.recordDelivered(delivered);
      delivered = 0;
    }
    if (recoveredDelivered > 0) {
      metrics.recordRecoveredDelivered(recoveredDelivered);
      recoveredDelivered = 0;
    }
  }

  void dropped(Batch batch, int envelope, DropReason reason) {
    if (batch.drop(envelope)) {
      dropped(batch.recovered, reason, 1);
    }
  }

  /** Drops every unresolved span of {@code batch}. */
  void droppedAll(Batch batch, DropReason reason) {
    int spans = 0;
    for (int i = 0; i < batch.size(); i++) {
      if (batch.drop(i)) {
        spans++;
      }
    }
    dropped(batch.recovered, reason, spans);
  }

  /** {@code batch} was written to disk: its unresolved spans count as persisted, once. */
  void persisted(Batch batch) {
    if (!batch.persistedCounted) {
      batch.persistedCounted = true;
      if (!batch.recovered) {
        metrics.recordPersisted(batch.unresolvedSpans());
      }
    }
  }

  /** A file nobody here wrote was read: its spans are recovered. */
  void recovered(int spans) {
    metrics.recordRecovered(spans);
  }

  /** A file past the retention was purged; {@code own} when this exporter wrote it for its own spans. */
  void expired(boolean own, int spans) {
    if (own) {
      metrics.recordDropped(DropReason.EXPIRED, spans);
    } else {
      metrics.recordRecoveredDropped(spans);
    }
  }

  private void dropped(boolean recovered, DropReason reason, int spans) {
    if (spans == 0) {
      return;
    }
    if (recovered) {
      metrics.recordRecoveredDropped(spans);
    } else {
      metrics.recordDropped(reason, spans);
    }
  }
}
