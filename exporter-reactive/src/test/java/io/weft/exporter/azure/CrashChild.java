package io.weft.exporter.azure;

import io.weft.core.Tracer;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * The child side of the crash tests, run in its own JVM by {@link ChildProcess}. Modes:
 *
 * <ul>
 *   <li>{@code produce <connection string> <spill root> <spans per second> <count>}: an exporter with the default
 *       settings (its spill folder under the given root) ends spans named {@code op} with attribute {@code seq} =
 *       0, 1, 2…, paced, printing {@code handed N} after every 100; then {@code done}, and waits to be killed.
 *   <li>{@code recover <connection string> <spill root>}: an exporter on the same folder, running until every file
 *       there is delivered; prints {@code recovered R delivered D dropped X} and exits 0 (1 after 60 s).
 *   <li>{@code hold <file>}: locks the file, prints {@code locked}, and waits to be killed.
 * </ul>
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "produce" -> produce(args[1], Path.of(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
      case "recover" -> recover(args[1], Path.of(args[2]));
      case "hold" -> hold(Path.of(args[1]));
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  private static void produce(String connectionString, Path root, int rate, int count) {
    AzureMonitorExporter exporter = AzureMonitorExporter.builder().connectionString(connectionString)
        .persistenceDirectory(root).build();
    Tracer tracer = Tracer.builder().serviceName("crash").exporter(exporter).build();
    long start = System.nanoTime();
    long nanosPerSpan = TimeUnit.SECONDS.toNanos(1) / rate;
    for (int i = 0; i < count; i++) {
      long due = start + i * nanosPerSpan;
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      tracer.spanBuilder("op").attribute("seq", (long) i).start().end();
      if ((i + 1) % 100 == 0) {
        System.out.println("handed " + (i + 1));
        System.out.flush();
      }
    }
    System.out.println("done");
    System.out.flush();
    LockSupport.park(); // until killed
  }

  private static void recover(String connectionString, Path root) throws IOException {
    AzureMonitorExporter exporter = AzureMonitorExporter.builder().connectionString(connectionString)
        .persistenceDirectory(root).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    ExporterMetrics metrics = exporter.metrics();
    while (spillFiles(root) > 0
        || metrics.recovered() != metrics.recoveredDelivered() + metrics.recoveredDropped()) {
      if (System.nanoTime() > deadline) {
        System.out.println("timeout " + metrics);
        System.exit(1);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    exporter.shutdown().block(Duration.ofSeconds(30));
    System.out.println("recovered " + metrics.recovered() + " delivered " + metrics.recoveredDelivered()
        + " dropped " + metrics.recoveredDropped());
    System.exit(0);
  }

  private static void hold(Path file) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock = channel.lock();
    System.out.println("locked " + lock.isValid());
    System.out.flush();
    LockSupport.park(); // until killed
  }

  /**
   * The spill files under {@code root}; at least 1 when one went away while the tree was walked (the exporter
   * delivered and deleted it meanwhile), so that a caller polling for zero looks again.
   */
  static long spillFiles(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(f -> f.toString().endsWith(SpillStore.SUFFIX)).count();
    } catch (java.io.UncheckedIOException e) {
      if (e.getCause() instanceof java.nio.file.NoSuchFileException) {
        return 1;
      }
      throw e;
    }
  }
}
