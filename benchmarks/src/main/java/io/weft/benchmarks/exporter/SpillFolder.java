package io.weft.benchmarks.exporter;

import io.weft.exporter.azure.ExporterMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A fresh spill folder for an exporter benchmark, and the check that a healthy run never used it. */
final class SpillFolder {
  private SpillFolder() {}

  static Path create() {
    try {
      return Files.createTempDirectory("weft-bench-spill");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Fails the trial if any span went through the disk: the endpoint accepted everything. */
  static void requireUntouched(ExporterMetrics metrics) {
    if (metrics.persisted() != 0) {
      throw new IllegalStateException(metrics.persisted() + " spans were spilled to disk while the endpoint "
          + "accepted everything: " + metrics);
    }
  }
}
