package io.weft.benchmarks.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.endpoint.LocalEndpointMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A count-only local endpoint in its own JVM on loopback, for the exporter benchmarks: its CPU still shares the
 * machine's two cores with the exporter, as before, but its allocations no longer count in the benchmark JVM's
 * {@code -prof gc} B/op, which is then the exporter's (and the span's) own.
 */
final class EndpointProcess implements AutoCloseable {
  private static final String MARKER = "connection string: ";

  private final Process process;
  private final String connectionString;
  private final URI stats;

  private EndpointProcess(Process process, String connectionString, URI stats) {
    this.process = process;
    this.connectionString = connectionString;
    this.stats = stats;
  }

  /** Starts {@link LocalEndpointMain} with {@code --count-only} on a free port and waits until it listens. */
  static EndpointProcess start() {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = List.of(java, "-Xms512m", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        LocalEndpointMain.class.getName(), "--port", "0", "--count-only");
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8));
      String line;
      while ((line = lines.readLine()) != null) {
        int at = line.indexOf(MARKER);
        if (at >= 0) {
          String connectionString = line.substring(at + MARKER.length()).trim();
          String url = connectionString.substring(connectionString.indexOf("IngestionEndpoint=") + 18);
          drain(lines);
          return new EndpointProcess(process, connectionString, URI.create(url + "api/stats"));
        }
      }
      throw new IllegalStateException("the endpoint process exited before listening: " + process.waitFor());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Keeps reading the child's output so that it never blocks on a full pipe. */
  private static void drain(BufferedReader lines) {
    Thread reader = new Thread(() -> {
      try {
        while (lines.readLine() != null) {
          // discard
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, "endpoint-output");
    reader.setDaemon(true);
    reader.start();
  }

  String connectionString() {
    return connectionString;
  }

  String url() {
    return connectionString.substring(connectionString.indexOf("IngestionEndpoint=") + 18);
  }

  /** The endpoint's counters ({@code GET /api/stats}). */
  JsonNode stats() {
    try {
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(stats).timeout(Duration.ofSeconds(10))
          .build(), HttpResponse.BodyHandlers.ofString());
      return new ObjectMapper().readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  long itemsAccepted() {
    return stats().get("itemsAccepted").asLong();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
