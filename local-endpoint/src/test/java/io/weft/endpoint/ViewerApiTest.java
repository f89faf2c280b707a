package io.weft.endpoint;

import static io.weft.endpoint.Envelopes.IKEY;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The viewer's queries over {@link ViewerFixture}, compared with the exact JSON expected (files under {@code
 * viewer-api/}; trace nodes also carry each envelope as received, checked separately).
 */
class ViewerApiTest {
  static LocalEndpoint endpoint;
  static Http http;

  @BeforeAll
  static void receiveTheFixture() {
    endpoint = LocalEndpoint.builder().instrumentationKey(IKEY).start();
    http = new Http(endpoint.url());
    assertThat(http.postGzipNdjson(ViewerFixture.ndjson()).json().path("itemsAccepted").asInt()).isEqualTo(12);
  }

  @AfterAll
  static void close() {
    endpoint.close();
  }

  static JsonNode expected(String file) {
    try (InputStream in = ViewerApiTest.class.getResourceAsStream("/viewer-api/" + file)) {
      return Http.JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode get(String path) {
    Http.Response response = http.get(path);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.json();
  }

  static List<String> rows(JsonNode page) {
    List<String> names = new ArrayList<>();
    page.path("operations").forEach(row -> names.add(row.path("operationId").asText().substring(0, 2)
        + " " + row.path("name").asText()));
    return names;
  }

  @Test
  void operationsAreTheRootsNewestFirst() {
    assertThat(get("/api/operations")).isEqualTo(expected("operations.json"));
    assertThat(get("/api/operations?failed=true")).isEqualTo(expected("operations-failed.json"));
  }

  @Test
  void operationsAreFilteredOnTheServer() {
    assertThat(rows(get("/api/operations?role=inventory"))).isEmpty(); // its only request is not a root
    assertThat(rows(get("/api/operations?name=ORDERS"))).containsExactly("22 GET /orders/{id}", "11 POST /orders");
    assertThat(rows(get("/api/operations?resultCode=503"))).containsExactly("11 POST /orders");
    assertThat(rows(get("/api/operations?minDurationMs=4"))).containsExactly("33 nightly-job",
        "22 GET /orders/{id}", "11 POST /orders");
    // q searches every item of an operation: the SQL of T2's dependency, the target of T1's MongoDB call.
    assertThat(rows(get("/api/operations?q=where%20id"))).containsExactly("22 GET /orders/{id}");
    assertThat(rows(get("/api/operations?q=mongo:27017"))).containsExactly("11 POST /orders");
    assertThat(rows(get("/api/operations?q=script"))).containsExactly("55 " + ViewerFixture.HOSTILE_NAME);
    assertThat(rows(get("/api/operations?role=orders&failed=true&minDurationMs=10.5"))).isEmpty();
  }

  @Test
  void operationsArePaged() {
    JsonNode second = get("/api/operations?limit=2&offset=2");
    assertThat(second.path("total").asInt()).isEqualTo(5);
    assertThat(second.path("offset").asInt()).isEqualTo(2);
    assertThat(rows(second)).containsExactly("33 nightly-job", "22 GET /orders/{id}");
    assertThat(rows(get("/api/operations?limit=2&offset=4"))).containsExactly("11 POST /orders");
    assertThat(rows(get("/api/operations?offset=99"))).isEmpty();
  }

  @Test
  void badParametersAreA400NamingThem() {
    for (String query : new String[] {"limit=0", "limit=many", "offset=-1", "failed=yes", "minDurationMs=-3",
        "minDurationMs=NaN"}) {
      Http.Response response = http.get("/api/operations?" + query);
      assertThat(response.status()).as(query).isEqualTo(400);
      assertThat(response.json().path("error").asText()).as(query).startsWith(query.substring(0, query.indexOf('=')));
    }
    assertThat(http.get("/api/map?minutes=x").status()).isEqualTo(400);
    assertThat(http.get("/api/map/calls").json().path("error").asText()).startsWith("edge is required");
  }

  @Test
  void traceTreesCarrySummariesAndTheEnvelopes() {
    JsonNode trace = get("/api/traces/" + ViewerFixture.T1);
    assertThat(withoutEnvelopes(trace)).isEqualTo(expected("trace-t1.json"));
    JsonNode stored = get("/api/items?operationId=" + ViewerFixture.T1 + "&type=Request");
    assertThat(trace.path(0).path("item")).isEqualTo(stored.path(0));
    assertThat(trace.path(0).path("item").path("data").path("baseData").path("properties").path("note").asText())
        .isEqualTo("<b>bold</b>");
  }

  @Test
  void aCycleOfParentIdsIsCutAndShownAndAnOrphanIsMarked() {
    assertThat(withoutEnvelopes(get("/api/traces/" + ViewerFixture.T4))).isEqualTo(expected("trace-t4.json"));
    JsonNode orphan = get("/api/traces/" + ViewerFixture.T3).path(0);
    assertThat(orphan.path("id").asText()).isEqualTo("d5");
    assertThat(orphan.path("orphan").asBoolean()).isTrue();
    assertThat(orphan.path("cycle").asBoolean()).isFalse();
  }

  @Test
  void theMapHasRolesTargetsAndCallStatistics() {
    assertThat(get("/api/map")).isEqualTo(expected("map.json"));
    String edge = URLEncoder.encode("role:orders->role:inventory", StandardCharsets.UTF_8);
    assertThat(get("/api/map/calls?edge=" + edge)).isEqualTo(expected("map-calls.json"));
    JsonNode window = get("/api/map?minutes=1");
    assertThat(window.path("from").asDouble()).isEqualTo(ViewerFixture.start(4000) - 60_000);
    assertThat(window.path("edges")).hasSize(6);
  }

  @Test
  void failuresAreGroupedWithExamples() {
    assertThat(get("/api/failures")).isEqualTo(expected("failures.json"));
  }

  @Test
  void itemsArePagedWithTheirTotal() {
    Http.Response page = http.get("/api/items?limit=5&offset=10");
    assertThat(page.headers().get("X-Total-Count")).isEqualTo("12");
    assertThat(page.json()).hasSize(2);
    assertThat(page.json().path(0).path("data").path("baseData").path("id").asText()).isEqualTo("c2");
    assertThat(http.get("/api/items?type=Exception").json()).hasSize(1);
  }

  @Test
  void theViewerIsServedFromTheJarWithItsSecurityHeaders() {
    Http.Response page = http.get("/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.headers().get("Content-Type")).isEqualTo("text/html; charset=utf-8");
    assertThat(page.headers().get("Content-Security-Policy")).contains("script-src 'self'");
    assertThat(page.body()).contains("/viewer/viewer.js", "/viewer/viewer.css");
    assertThat(http.get("/viewer/viewer.js").headers().get("Content-Type")).startsWith("text/javascript");
    assertThat(http.get("/viewer/viewer.css").headers().get("Content-Type")).startsWith("text/css");
    assertThat(http.get("/viewer/other.js").status()).isEqualTo(404);
    assertThat(http.send("POST", "/").status()).isEqualTo(405);
  }

  /** The tree without each node's {@code item} (the envelope as received). */
  static JsonNode withoutEnvelopes(JsonNode node) {
    JsonNode copy = node.deepCopy();
    strip(copy);
    return copy;
  }

  private static void strip(JsonNode node) {
    if (node instanceof ObjectNode object) {
      object.remove("item");
      object.forEach(ViewerApiTest::strip);
    } else if (node instanceof ArrayNode array) {
      array.forEach(ViewerApiTest::strip);
    }
  }
}
