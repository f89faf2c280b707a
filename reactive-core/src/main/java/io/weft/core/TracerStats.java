package io.weft.core;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of what a tracer did and of everything it had to cut, drop or survive. Thread-safe; each getter returns
 * the current sum.
 */
public final class TracerStats {
  final LongAdder spansStarted = new LongAdder();
  final LongAdder spansEnded = new LongAdder();
  final LongAdder attributesDropped = new LongAdder();
  final LongAdder valuesTruncated = new LongAdder();
  final LongAdder samplerFailures = new LongAdder();
  final LongAdder exporterFailures = new LongAdder();
  final LongAdder callbackFailures = new LongAdder();
  final LongAdder internalFailures = new LongAdder();

  private final boolean hasExporters;

  TracerStats(boolean hasExporters) {
    this.hasExporters = hasExporters;
  }

  /** Sampled spans started. */
  public long spansStarted() {
    return spansStarted.sum();
  }

  /** Sampled spans ended (each once). {@code spansStarted() - spansEnded()} spans are still open. */
  public long spansEnded() {
    return spansEnded.sum();
  }

  /** Sampled spans still open: started and not yet ended. A number that only grows points at a span leak. */
  public long spansActive() {
    return spansStarted.sum() - spansEnded.sum();
  }

  /** Ended spans handed to exporters (once per span, whatever the number of exporters). */
  public long spansExported() {
    // Every ended sampled span goes to the exporters, so this is not counted separately on the hot path.
    return hasExporters ? spansEnded.sum() : 0;
  }

  /** Attributes dropped because a span already held {@link SpanLimits#MAX_ATTRIBUTES}, or with a null key. */
  public long attributesDropped() {
    return attributesDropped.sum();
  }

  /** String values and span names cut to {@link SpanLimits}. */
  public long valuesTruncated() {
    return valuesTruncated.sum();
  }

  /** Exceptions thrown by a sampler (the span was treated as unsampled). */
  public long samplerFailures() {
    return samplerFailures.sum();
  }

  /** Exceptions thrown by an exporter's {@code export} (the other exporters still got the span). */
  public long exporterFailures() {
    return exporterFailures.sum();
  }

  /** Exceptions thrown by user callbacks given to span operators (the signal passed through unchanged). */
  public long callbackFailures() {
    return callbackFailures.sum();
  }

  /** Unexpected failures inside Weft itself that were contained (the pipeline ran untraced). */
  public long internalFailures() {
    return internalFailures.sum();
  }

  @Override
  public String toString() {
    return "TracerStats{started=" + spansStarted() + ", ended=" + spansEnded() + ", exported=" + spansExported()
        + ", attributesDropped=" + attributesDropped() + ", valuesTruncated=" + valuesTruncated()
        + ", samplerFailures=" + samplerFailures() + ", exporterFailures=" + exporterFailures()
        + ", callbackFailures=" + callbackFailures() + ", internalFailures=" + internalFailures() + "}";
  }
}
