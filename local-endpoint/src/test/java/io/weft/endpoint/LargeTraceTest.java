package io.weft.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Traces no real service makes, which the viewer's queries must still answer: very wide and very deep. */
class LargeTraceTest {
  static final String WIDE = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  static final String DEEP = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

  @Test
  void tenThousandChildrenUnderOneRequestAndAChainFiveThousandDeep() {
    try (LocalEndpoint endpoint = LocalEndpoint.start()) {
      Http http = new Http(endpoint.url());
      List<String> envelopes = new ArrayList<>();
      envelopes.add(Envelopes.request("root000000000000", "GET /wide").replace(Envelopes.TRACE, WIDE));
      for (int i = 0; i < 10_000; i++) {
        envelopes.add(Envelopes.dependency(String.format("w%015d", i), "root000000000000", "SELECT " + i)
            .replace(Envelopes.TRACE, WIDE));
      }
      envelopes.add(Envelopes.request("d000000000000000", "GET /deep").replace(Envelopes.TRACE, DEEP));
      for (int i = 1; i <= 5_000; i++) {
        envelopes.add(Envelopes.dependency(String.format("d%015d", i), String.format("d%015d", i - 1), "step")
            .replace(Envelopes.TRACE, DEEP));
      }
      byte[] body = String.join("\n", envelopes).getBytes(StandardCharsets.UTF_8);
      assertThat(http.postGzipNdjson(body).json().path("itemsAccepted").asInt()).isEqualTo(15_002);

      JsonNode wide = http.get("/api/traces/" + WIDE).json();
      assertThat(wide).hasSize(1);
      assertThat(wide.path(0).path("children")).hasSize(10_000);

      // Nested as deep as JSON readers accept by default, then listed flat with each item's true depth.
      JsonNode node = http.get("/api/traces/" + DEEP).json().path(0);
      int depth = 0;
      while (node.path("children").size() == 1 && !node.path("children").path(0).has("depth")) {
        node = node.path("children").path(0);
        depth++;
      }
      assertThat(depth).isEqualTo(TraceView.MAX_NESTING - 1);
      JsonNode flat = node.path("children");
      assertThat(flat).hasSize(5_000 - depth);
      assertThat(flat.path(flat.size() - 1).path("depth").asInt()).isEqualTo(5_000);
      assertThat(flat.path(flat.size() - 1).path("id").asText()).isEqualTo("d000000000005000");

      JsonNode operations = http.get("/api/operations").json();
      assertThat(operations.path("total").asInt()).isEqualTo(2);
      assertThat(operations.path("operations").path(0).path("dependencyCount").asInt()).isIn(10_000, 5_000);
    }
  }
}
