package io.weft.benchmarks.endpoint;

import io.netty.buffer.Unpooled;
import io.weft.endpoint.LocalEndpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Does the trace viewer stay responsive when the local endpoint holds its default maximum of 100,000 items? Each
 * operation is one GET of a viewer query over HTTP on loopback, as the page makes it: the first page of operations,
 * the same with a free-text search, the application map, the failure groups and one trace. The store holds 10,000
 * operations of ten items each (a request, nine dependencies of four types, one in twenty failed). Score: milliseconds
 * per query, request to last byte. Target: well under the viewer's 2-second refresh, so a page stays interactive.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class ViewerQueryBenchmark {
  static final int OPERATIONS = 10_000;
  static final String[] TYPES = {"SQL", "Http", "mongodb", "InProc"};

  private LocalEndpoint endpoint;
  private HttpClient client;
  private String someOperation;

  @Setup(Level.Trial)
  public void setUp() {
    endpoint = LocalEndpoint.start();
    client = HttpClient.create().baseUrl(endpoint.url());
    Instant base = Instant.parse("2026-11-25T10:00:00Z");
    for (int batch = 0; batch < OPERATIONS / 500; batch++) {
      StringBuilder body = new StringBuilder();
      for (int op = batch * 500; op < (batch + 1) * 500; op++) {
        String operation = String.format(Locale.ROOT, "%032x", op + 1);
        String request = String.format(Locale.ROOT, "r%015x", op);
        boolean failed = op % 20 == 0;
        body.append(item("Request", operation, request, null, "GET /orders/{id}", base.plusMillis(op * 10L),
            failed ? "500" : "200", !failed, null, null)).append('\n');
        for (int d = 0; d < 9; d++) {
          String type = TYPES[d % TYPES.length];
          body.append(item("RemoteDependency", operation, String.format(Locale.ROOT, "d%011x%04x", op, d), request,
              type.equals("SQL") ? "SELECT orders" : type + " call " + d, base.plusMillis(op * 10L + d),
              failed && d == 1 ? "503" : "200", !(failed && d == 1), type, type + "-target")).append('\n');
        }
      }
      int status = client.headers(h -> h.set("Content-Type", "application/x-json-stream")).post()
          .uri("/v2.1/track").send(Mono.just(Unpooled.wrappedBuffer(body.toString().getBytes())))
          .responseSingle((response, content) -> content.then(Mono.just(response.status().code())))
          .block(Duration.ofSeconds(60));
      if (status != 200) {
        throw new IllegalStateException("fixture batch not accepted: " + status);
      }
    }
    if (endpoint.store().size() != OPERATIONS * 10) {
      throw new IllegalStateException("expected " + OPERATIONS * 10 + " items, stored " + endpoint.store().size());
    }
    someOperation = String.format(Locale.ROOT, "%032x", OPERATIONS / 2);
  }

  private static String item(String type, String operation, String id, String parent, String name, Instant time,
      String code, boolean success, String dependencyType, String target) {
    String tags = "\"ai.operation.id\":\"" + operation + "\",\"ai.cloud.role\":\"orders\""
        + (parent == null ? "" : ",\"ai.operation.parentId\":\"" + parent + "\"");
    String base = "\"ver\":2,\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"duration\":\"00:00:00.0030000\","
        + "\"success\":" + success + (type.equals("Request") ? ",\"responseCode\":\"" + code + "\",\"url\":\"http://o/x\""
            : ",\"resultCode\":\"" + code + "\",\"type\":\"" + dependencyType + "\",\"target\":\"" + target
                + "\",\"data\":\"SELECT * FROM orders WHERE id = ?\"");
    return "{\"name\":\"Microsoft.ApplicationInsights." + type + "\",\"time\":\"" + time + "\",\"iKey\":\"k\","
        + "\"tags\":{" + tags + "},\"data\":{\"baseType\":\"" + type + "Data\",\"baseData\":{" + base + "}}}";
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    endpoint.close();
  }

  private int get(String path) {
    return client.get().uri(path)
        .responseSingle((response, content) -> content.asByteArray().map(bytes -> bytes.length))
        .block(Duration.ofSeconds(30));
  }

  @Benchmark
  public int operationsFirstPage() {
    return get("/api/operations?limit=50");
  }

  @Benchmark
  public int operationsSearch() {
    return get("/api/operations?q=where%20id&failed=true");
  }

  @Benchmark
  public int applicationMap() {
    return get("/api/map?minutes=15");
  }

  @Benchmark
  public int failures() {
    return get("/api/failures");
  }

  @Benchmark
  public int oneTrace() {
    return get("/api/traces/" + someOperation);
  }
}
