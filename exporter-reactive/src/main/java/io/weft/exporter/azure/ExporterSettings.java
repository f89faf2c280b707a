package io.weft.exporter.azure;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * The validated settings of one exporter, as {@link AzureMonitorExporterBuilder} made them. Immutable.
 *
 * @param spill where and how much to spill, or null when persistence is off
 */
record ExporterSettings(
    ConnectionString connectionString,
    int maxQueueSize,
    int maxBatchSize,
    long maxBatchBytes,
    Duration linger,
    int maxInFlight,
    long maxInFlightBytes,
    RetrySchedule retry,
    Duration connectTimeout,
    Duration responseTimeout,
    Duration shutdownTimeout,
    int gzipLevel,
    @Nullable Spill spill) {

  /**
   * The disk stage's settings.
   *
   * @param directory this destination's own folder (under the configured root)
   * @param maxBytes the cap on spill files, in bytes on disk
   * @param retention how long a file may wait before it is purged (its spans counted {@code EXPIRED})
   * @param maxBacklogBytes bytes that may wait for the disk at once; beyond that nothing more is handed to it
   * @param drainInterval while the endpoint keeps failing, how often the queue is moved to disk (at the latest)
   */
  record Spill(Path directory, long maxBytes, Duration retention, long maxBacklogBytes, Duration drainInterval) {}

  /** How often queued spans go to disk while the endpoint is failing: a crash loses at most about this much. */
  static final Duration DRAIN_INTERVAL = Duration.ofMillis(250);

  /**
   * The folder of one destination under {@code root}: named by a hash of the instrumentation key and the ingestion
   * endpoint, so that files meant for one endpoint are never sent to another, and the key is not in the path.
   */
  static Path destinationFolder(Path root, ConnectionString connectionString) {
    String destination = connectionString.instrumentationKey() + "|" + connectionString.trackUrl();
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(destination.getBytes(StandardCharsets.UTF_8));
      return root.resolve(HexFormat.of().formatHex(digest, 0, 8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** The default root: {@code <java.io.tmpdir>/weft-<user>}, per user so that two users never share a folder. */
  static Path defaultRoot() {
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    return Path.of(System.getProperty("java.io.tmpdir"), "weft-" + user);
  }
}
