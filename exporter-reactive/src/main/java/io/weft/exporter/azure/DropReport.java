package io.weft.exporter.azure;

import io.weft.exporter.azure.ExporterMetrics.DropReason;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Says at WARN how many spans were dropped, and why, since the last time it said so: called by the worker once a
 * minute and at shutdown, never on a producer's thread. Silent while nothing is dropped. Worker-confined.
 */
final class DropReport {
  private final Logger logger;
  private final ExporterMetrics metrics;
  private final Map<DropReason, Long> reported = new EnumMap<>(DropReason.class);
  private long recoveredDroppedReported;

  DropReport(Logger logger, ExporterMetrics metrics) {
    this.logger = logger;
    this.metrics = metrics;
  }

  void report() {
    Map<DropReason, Long> now = metrics.droppedByReason();
    Map<DropReason, Long> since = new EnumMap<>(DropReason.class);
    long total = 0;
    for (Map.Entry<DropReason, Long> entry : now.entrySet()) {
      long delta = entry.getValue() - reported.getOrDefault(entry.getKey(), 0L);
      if (delta > 0) {
        since.put(entry.getKey(), delta);
        total += delta;
      }
    }
    long recoveredDropped = metrics.recoveredDropped() - recoveredDroppedReported;
    reported.putAll(now);
    recoveredDroppedReported += recoveredDropped;
    try {
      if (total > 0) {
        logger.warn("Application Insights exporter dropped {} span(s) since the last report: {}", total, since);
      }
      if (recoveredDropped > 0) {
        logger.warn("Application Insights exporter dropped {} span(s) read back from disk since the last report",
            recoveredDropped);
      }
    } catch (RuntimeException | LinkageError loggingFailed) {
      // never let logging hurt the exporter
    }
  }
}
