package io.weft.benchmarks.exporter;

import io.weft.exporter.azure.ExporterMetrics;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * The spans an exporter dropped while a benchmark measured: the warm-up runs interpreted code while the JIT
 * compilers compete for the two cores, so only drops during the measured iterations count against a target.
 */
final class MeasuredDrops {
  private final ExporterMetrics metrics;
  private long beforeMeasurement = -1;

  MeasuredDrops(ExporterMetrics metrics) {
    this.metrics = metrics;
  }

  /** Call at each iteration's setup; returns the drops so far, to print. */
  long iteration(IterationParams iteration) {
    long drops = metrics.dropped();
    if (iteration.getType() == IterationType.MEASUREMENT && beforeMeasurement < 0) {
      beforeMeasurement = drops;
    }
    return drops;
  }

  /** The drops since the first measured iteration began. */
  long measured() {
    return metrics.dropped() - Math.max(0, beforeMeasurement);
  }
}
