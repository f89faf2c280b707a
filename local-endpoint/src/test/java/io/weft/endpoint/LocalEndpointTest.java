package io.weft.endpoint;

import static io.weft.endpoint.Envelopes.IKEY;
import static io.weft.endpoint.Envelopes.TRACE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalEndpointTest {
  final LocalEndpoint endpoint = LocalEndpoint.builder().instrumentationKey(IKEY).start();
  final Http http = new Http(endpoint.url());

  @AfterEach
  void close() {
    endpoint.close();
  }

  List<String> trace() {
    return List.of(Envelopes.request("aaaaaaaaaaaaaaaa", "GET /orders/{id}"),
        Envelopes.dependency("bbbbbbbbbbbbbbbb", "aaaaaaaaaaaaaaaa", "SELECT orders"),
        Envelopes.dependency("cccccccccccccccc", "bbbbbbbbbbbbbbbb", "InProc work"),
        Envelopes.exception("aaaaaaaaaaaaaaaa"));
  }

  @Test
  void bindsLoopbackOnAFreePortAndReportsIt() {
    assertThat(endpoint.port()).isPositive();
    assertThat(endpoint.url()).isEqualTo("http://127.0.0.1:" + endpoint.port() + "/");
    assertThat(endpoint.connectionString())
        .isEqualTo("InstrumentationKey=" + IKEY + ";IngestionEndpoint=http://127.0.0.1:" + endpoint.port() + "/");
  }

  @Test
  void acceptsGzipNdjsonLikeTheService() {
    Http.Response response = http.postGzipNdjson(Envelopes.ndjson(trace()));
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json()).isEqualTo(Http.JSON.createObjectNode().put("itemsReceived", 4)
        .put("itemsAccepted", 4).set("errors", Http.JSON.createArrayNode()));
    assertThat(endpoint.store().items()).extracting(TelemetryItem::type)
        .containsExactly("Request", "RemoteDependency", "RemoteDependency", "Exception");
    TelemetryItem dependency = endpoint.store().items("RemoteDependency").get(0);
    assertThat(dependency.name()).isEqualTo("SELECT orders");
    assertThat(dependency.field("target")).isEqualTo("localhost | orders");
    assertThat(dependency.property("db.system")).isEqualTo("h2");
    assertThat(dependency.operationId()).isEqualTo(TRACE);
    assertThat(dependency.parentId()).isEqualTo("aaaaaaaaaaaaaaaa");
    EndpointStats stats = endpoint.stats();
    assertThat(stats.requestsReceived()).isEqualTo(1);
    assertThat(stats.itemsReceived()).isEqualTo(4);
    assertThat(stats.itemsAccepted()).isEqualTo(4);
    assertThat(stats.itemsRejected()).isZero();
    assertThat(stats.bytesInflated()).isGreaterThan(stats.bytesReceived());
  }

  @Test
  void acceptsAnUncompressedJsonArrayOnTheLegacyPath() {
    String body = "[" + String.join(",", trace()) + "]";
    Http.Response response = http.post("/v2/track", body.getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json; charset=utf-8"));
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().get("itemsAccepted").asInt()).isEqualTo(4);
  }

  @Test
  void partlyInvalidBatchIsA206WithPreciseItemErrors() {
    List<String> items = new ArrayList<>(trace());
    items.add(1, Envelopes.message().replace("\"time\":\"2026-11-25T10:00:00Z\"", "\"time\":\"yesterday\""));
    items.add(3, "this line is not json");
    Http.Response response = http.postGzipNdjson(Envelopes.ndjson(items));
    assertThat(response.status()).isEqualTo(206);
    JsonNode body = response.json();
    assertThat(body.get("itemsReceived").asInt()).isEqualTo(6);
    assertThat(body.get("itemsAccepted").asInt()).isEqualTo(4);
    assertThat(body.get("errors")).hasSize(2);
    assertThat(body.get("errors").get(0).get("index").asInt()).isEqualTo(1);
    assertThat(body.get("errors").get(0).get("statusCode").asInt()).isEqualTo(400);
    assertThat(body.get("errors").get(0).get("message").asText())
        .isEqualTo("time must be ISO-8601 UTC ending in Z (yyyy-MM-ddTHH:mm:ss[.fffffff]Z): \"yesterday\"");
    assertThat(body.get("errors").get(1).get("index").asInt()).isEqualTo(3);
    assertThat(body.get("errors").get(1).get("message").asText()).startsWith("not valid JSON");
    assertThat(endpoint.stats().itemsRejected()).isEqualTo(2);
  }

  @Test
  void ndjsonMeansOneEnvelopePerLine() {
    String message = Envelopes.message();
    String twoOnOneLine = message + message;
    String pretty = message.replace(",\"iKey\"", ",\n\"iKey\"");
    Http.Response response = http.postGzipNdjson(Envelopes.ndjson(List.of(message, twoOnOneLine, pretty, message)));
    assertThat(response.status()).isEqualTo(206);
    JsonNode errors = response.json().get("errors");
    assertThat(response.json().get("itemsReceived").asInt()).isEqualTo(5);
    assertThat(response.json().get("itemsAccepted").asInt()).isEqualTo(2);
    assertThat(errors).extracting(error -> error.get("index").asInt()).containsExactly(1, 2, 3);
    assertThat(errors.get(0).get("message").asText()).contains("unexpected content after the envelope");
  }

  @Test
  void allInvalidIsA400() {
    String wrongKey = Envelopes.message().replace(IKEY, "99999999-9999-9999-9999-999999999999");
    Http.Response response = http.postGzipNdjson(Envelopes.ndjson(List.of(wrongKey, wrongKey)));
    assertThat(response.status()).isEqualTo(400);
    assertThat(response.json().get("itemsAccepted").asInt()).isZero();
    assertThat(response.json().get("errors").get(1).get("message").asText())
        .contains("Invalid instrumentation key");
  }

  @Test
  void bodyThatIsNotJsonGetsAJsonError() {
    Http.Response array = http.post("/v2.1/track", "[{\"name\": ".getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"));
    assertThat(array.status()).isEqualTo(400);
    assertThat(array.json().get("error").asText()).startsWith("body is not valid JSON");
    Http.Response garbage = http.post("/v2.1/track", "garbage".getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/x-json-stream"));
    assertThat(garbage.status()).isEqualTo(400);
    assertThat(garbage.json().get("error").asText()).startsWith("body is not valid JSON");
    Http.Response notGzip = http.post("/v2.1/track", "plain".getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/x-json-stream", "Content-Encoding", "gzip"));
    assertThat(notGzip.status()).isEqualTo(400);
    assertThat(notGzip.json().get("error").asText()).startsWith("body is not valid gzip");
    Http.Response empty = http.postGzipNdjson(new byte[0]);
    assertThat(empty.status()).isEqualTo(400);
  }

  @Test
  void aBodyWithoutContentTypeIsAcceptedAsMicrosoftsJavaExporterSendsIt() {
    // azure-monitor-opentelemetry-autoconfigure 1.2.0 posts gzip NDJSON with Content-Encoding but no Content-Type.
    Http.Response response = http.post("/v2.1/track", Envelopes.gzip(Envelopes.ndjson(trace())),
        Map.of("Content-Encoding", "gzip"));
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().get("itemsAccepted").asInt()).isEqualTo(4);
    assertThat(endpoint.store().items()).hasSize(4);
  }

  @Test
  void wrongContentTypeOrEncodingIs415() {
    Http.Response text = http.post("/v2.1/track", Envelopes.ndjson(trace()), Map.of("Content-Type", "text/plain"));
    assertThat(text.status()).isEqualTo(415);
    assertThat(text.json().get("error").asText()).contains("Content-Type");
    Http.Response brotli = http.post("/v2.1/track", Envelopes.ndjson(trace()),
        Map.of("Content-Type", "application/x-json-stream", "Content-Encoding", "br"));
    assertThat(brotli.status()).isEqualTo(415);
  }

  @Test
  void oversizedBodiesAre413() {
    byte[] big = new byte[LocalEndpoint.MAX_REQUEST_BYTES + 1];
    java.util.Arrays.fill(big, (byte) ' ');
    assertThat(http.post("/v2.1/track", big, Map.of("Content-Type", "application/x-json-stream")).status())
        .isEqualTo(413);
    byte[] bomb = Envelopes.gzip(new byte[LocalEndpoint.MAX_INFLATED_BYTES + 1024]);
    Http.Response inflated = http.post("/v2.1/track", bomb,
        Map.of("Content-Type", "application/x-json-stream", "Content-Encoding", "gzip"));
    assertThat(inflated.status()).isEqualTo(413);
    assertThat(inflated.json().get("error").asText()).contains("inflated");
    // and it still serves
    assertThat(http.postGzipNdjson(Envelopes.ndjson(trace())).status()).isEqualTo(200);
  }

  @Test
  void otherMethodsAre405AndUnknownPaths404() {
    Http.Response get = http.get("/v2.1/track");
    assertThat(get.status()).isEqualTo(405);
    assertThat(get.headers().get("Allow")).isEqualTo("POST");
    assertThat(http.send("PUT", "/v2/track").status()).isEqualTo(405);
    assertThat(http.send("DELETE", "/api/stats").status()).isEqualTo(405);
    assertThat(http.get("/nothing/here").status()).isEqualTo(404);
  }

  @Test
  void queriesByTypeOperationAndTraceTree() {
    http.postGzipNdjson(Envelopes.ndjson(trace()));
    http.postGzipNdjson(Envelopes.ndjson(List.of(Envelopes.message())));
    assertThat(endpoint.store().byOperationId(TRACE)).hasSize(4);
    List<TraceNode> trees = endpoint.store().trace(TRACE);
    assertThat(trees).hasSize(1);
    assertThat(trees.get(0).render()).isEqualTo(String.join("\n",
        "Request GET /orders/{id} [aaaaaaaaaaaaaaaa]",
        "  RemoteDependency SELECT orders [bbbbbbbbbbbbbbbb]",
        "    RemoteDependency InProc work [cccccccccccccccc]",
        "  Exception Exception",
        ""));

    JsonNode items = http.get("/api/items?operationId=" + TRACE + "&type=RemoteDependency").json();
    assertThat(items).hasSize(2);
    assertThat(items.get(0).path("data").path("baseData").path("id").asText()).isEqualTo("bbbbbbbbbbbbbbbb");
    JsonNode tree = http.get("/api/traces/" + TRACE).json();
    assertThat(tree.get(0).get("type").asText()).isEqualTo("Request");
    assertThat(tree.get(0).get("children").get(0).get("children").get(0).get("name").asText())
        .isEqualTo("InProc work");
    assertThat(http.get("/api/traces/ffffffffffffffffffffffffffffffff").status()).isEqualTo(404);
    JsonNode stats = http.get("/api/stats").json();
    assertThat(stats.get("requestsReceived").asInt()).isEqualTo(2);
    assertThat(stats.get("itemsAccepted").asInt()).isEqualTo(5);
    assertThat(stats.get("itemsStored").asInt()).isEqualTo(5);
  }

  @Test
  void storeIsBoundedAndCountsEvictions() {
    try (LocalEndpoint small = LocalEndpoint.builder().maxStoredItems(2).start()) {
      new Http(small.url()).postGzipNdjson(Envelopes.ndjson(trace()));
      assertThat(small.store().items()).hasSize(2);
      assertThat(small.store().items().get(0).sequence()).isEqualTo(2);
      assertThat(small.stats().itemsEvicted()).isEqualTo(2);
    }
  }

  @Test
  void appendsAcceptedItemsToAJsonLinesFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("telemetry.jsonl");
    try (LocalEndpoint persistent = LocalEndpoint.builder().storeFile(file).start()) {
      new Http(persistent.url()).postGzipNdjson(Envelopes.ndjson(trace()));
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(4);
    assertThat(Http.JSON.readTree(lines.get(0)).get("name").asText())
        .isEqualTo("Microsoft.ApplicationInsights.Request");
  }

  @Test
  void countOnlyModeCountsWithoutValidatingOrStoring() {
    try (LocalEndpoint counting = LocalEndpoint.builder().countOnly(true).start()) {
      Http client = new Http(counting.url());
      Http.Response response = client.postGzipNdjson(Envelopes.ndjson(List.of("{}", "{\"not\":\"valid\"}", "{}")));
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.json().get("itemsAccepted").asInt()).isEqualTo(3);
      Http.Response array = client.post("/v2.1/track", "[{},{},[1,2]]".getBytes(StandardCharsets.UTF_8),
          Map.of("Content-Type", "application/json"));
      assertThat(array.json().get("itemsReceived").asInt()).isEqualTo(3);
      assertThat(counting.store().items()).isEmpty();
      assertThat(counting.stats().itemsAccepted()).isEqualTo(6);
    }
  }

  @Test
  void countOnlyModeCountsGzipBodiesAsTheyInflate() {
    try (LocalEndpoint counting = LocalEndpoint.builder().countOnly(true).start()) {
      Http client = new Http(counting.url());
      Map<String, String> gzip = Map.of("Content-Type", "application/x-json-stream", "Content-Encoding", "gzip");
      // Blank lines, CRLF, a trailing newline, and lines across the 64 KB inflate buffer: 3,000 items of ~100 B.
      StringBuilder text = new StringBuilder("\r\n  \n");
      for (int i = 0; i < 3_000; i++) {
        text.append("{\"i\":").append(i).append(",\"pad\":\"").append("x".repeat(80)).append("\"}\r\n");
        if (i % 1000 == 0) {
          text.append(" \t \n");
        }
      }
      byte[] plain = text.toString().getBytes(StandardCharsets.UTF_8);
      Http.Response lines = client.post("/v2.1/track", Envelopes.gzip(plain), gzip);
      assertThat(lines.json().get("itemsAccepted").asInt()).isEqualTo(3_000);
      assertThat(counting.stats().bytesInflated()).isEqualTo(plain.length);
      // A gzip JSON array is counted by its elements.
      Http.Response array = client.post("/v2.1/track",
          Envelopes.gzip("  [{},{\"a\":[1,2]},{}]".getBytes(StandardCharsets.UTF_8)), gzip);
      assertThat(array.json().get("itemsAccepted").asInt()).isEqualTo(3);
      // Broken gzip is a 400 with the reason.
      Http.Response broken = client.post("/v2.1/track", java.util.Arrays.copyOf(Envelopes.gzip(plain), 100), gzip);
      assertThat(broken.status()).isEqualTo(400);
      assertThat(broken.json().get("error").asText()).startsWith("body is not valid gzip");
      assertThat(counting.stats().itemsAccepted()).isEqualTo(3_003);
    }
  }

  @Test
  void anyKeyIsAcceptedWhenNoneIsConfigured() {
    try (LocalEndpoint open = LocalEndpoint.start()) {
      String otherKey = Envelopes.message().replace(IKEY, "other-key");
      assertThat(new Http(open.url()).postGzipNdjson(Envelopes.ndjson(List.of(otherKey))).status()).isEqualTo(200);
      assertThat(open.instrumentationKey()).isEqualTo(LocalEndpoint.DEFAULT_INSTRUMENTATION_KEY);
    }
  }

  @Test
  void awaitWaitsForItemsFromOtherThreads() {
    new Thread(() -> http.postGzipNdjson(Envelopes.ndjson(trace()))).start();
    assertThat(endpoint.store().await(4, Duration.ofSeconds(20))).hasSize(4);
  }
}
