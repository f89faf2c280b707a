package io.weft.benchmarks.endpoint;

import io.netty.buffer.Unpooled;
import io.weft.endpoint.LocalEndpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * How many envelopes per second does the local endpoint ingest over real HTTP on loopback? Each operation POSTs 16
 * gzip NDJSON batches of 512 dependency envelopes (as an exporter sends them) from a non-blocking reactor-netty
 * client keeping four requests in flight, and waits for all answers. The score is envelopes per second ({@code
 * @OperationsPerInvocation(16 * 512)}), client and server sharing the machine's two cores.
 *
 * <p>{@code validate}: full validation and storage (the store keeps the newest 100,000); {@code countOnly}: inflate
 * and count only. Target: at least 500,000 envelopes/s with validation on, on the 2-core machine.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Threads(1)
@State(Scope.Benchmark)
public class IngestionThroughputBenchmark {
  static final int BATCH = 512;
  static final int REQUESTS = 16;
  static final int IN_FLIGHT = 4;

  @Param({"validate", "countOnly"})
  public String mode;

  private LocalEndpoint endpoint;
  private HttpClient client;
  private byte[] body;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    endpoint = LocalEndpoint.builder().countOnly(mode.equals("countOnly")).start();
    client = HttpClient.create().baseUrl(endpoint.url())
        .headers(h -> h.set("Content-Type", "application/x-json-stream").set("Content-Encoding", "gzip"));
    body = gzip(batch(BATCH));
    int status = post();
    if (status != 200) {
      throw new IllegalStateException("the benchmark batch was not accepted: " + status);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    long accepted = endpoint.stats().itemsAccepted();
    long received = endpoint.stats().itemsReceived();
    endpoint.close();
    if (accepted != received) {
      throw new IllegalStateException("endpoint rejected " + (received - accepted) + " items");
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH * REQUESTS)
  public long ingest() {
    Long accepted = reactor.core.publisher.Flux.range(0, REQUESTS)
        .flatMap(i -> request(), IN_FLIGHT)
        .count()
        .block(Duration.ofSeconds(60));
    if (accepted == null || accepted != REQUESTS) {
      throw new IllegalStateException("not every request was answered: " + accepted);
    }
    return accepted;
  }

  private Mono<Integer> request() {
    return client.post().uri("/v2.1/track")
        .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
        .responseSingle((response, content) -> content.then(Mono.just(response.status().code())))
        .map(status -> {
          if (status != 200) {
            throw new IllegalStateException("ingestion answered " + status);
          }
          return status;
        });
  }

  private int post() {
    Integer status = request().block(Duration.ofSeconds(30));
    return status == null ? -1 : status;
  }

  /** A batch as Weft's exporter sends it: one trace per 8 items, realistic sizes. */
  static String batch(int size) {
    StringBuilder out = new StringBuilder(size * 700);
    for (int i = 0; i < size; i++) {
      String traceId = String.format("%032x", 0x5eed0000L + i / 8);
      String spanId = String.format("%016x", 0xa000000000L + i);
      String parentId = String.format("%016x", 0xa000000000L + (i / 8) * 8);
      if (i > 0) {
        out.append('\n');
      }
      out.append("{\"name\":\"Microsoft.ApplicationInsights.RemoteDependency\",\"time\":\"2026-11-25T10:00:00.")
          .append(String.format("%06d", i)).append("Z\",\"iKey\":\"00000000-0000-0000-0000-000000000000\",")
          .append("\"sampleRate\":100.0,\"tags\":{\"ai.operation.id\":\"").append(traceId)
          .append("\",\"ai.operation.parentId\":\"").append(parentId)
          .append("\",\"ai.operation.name\":\"GET /orders/{id}\",\"ai.cloud.role\":\"orders\",")
          .append("\"ai.cloud.roleInstance\":\"host-1\",\"ai.internal.sdkVersion\":\"java17:weft0.1.0\"},")
          .append("\"data\":{\"baseType\":\"RemoteDependencyData\",\"baseData\":{\"ver\":2,\"id\":\"").append(spanId)
          .append("\",\"name\":\"SELECT orders\",\"duration\":\"00:00:00.001234\",\"resultCode\":\"0\",")
          .append("\"success\":true,\"type\":\"SQL\",\"target\":\"db.example.com | orders\",")
          .append("\"data\":\"SELECT id, total FROM orders WHERE customer_id = ? AND status = ?\",")
          .append("\"properties\":{\"db.system\":\"h2\",\"db.operation.name\":\"SELECT\",")
          .append("\"weft.db.rows_returned\":\"").append(i % 50).append("\"}}}}");
    }
    return out.toString();
  }

  static byte[] gzip(String text) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
      gzip.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }
}
