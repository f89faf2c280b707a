package io.weft.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.BlockHoundExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Request handling never blocks a Netty event loop: ingestion with validation, storage and the store file, the
 * query API, the trace viewer, and faults, with BlockHound installed (it fails any blocking call on a non-blocking thread).
 */
@ExtendWith(BlockHoundExtension.class)
class LocalEndpointBlockHoundTest {
  @Test
  void ingestionQueriesAndFaultsNeverBlockTheEventLoop(@TempDir Path dir) {
    try (LocalEndpoint endpoint = LocalEndpoint.builder().storeFile(dir.resolve("items.jsonl")).start()) {
      Http http = new Http(endpoint.url());
      byte[] batch = Envelopes.ndjson(List.of(Envelopes.request("aaaaaaaaaaaaaaaa", "GET /"),
          Envelopes.dependency("bbbbbbbbbbbbbbbb", "aaaaaaaaaaaaaaaa", "SELECT x"), "not json",
          Envelopes.exception("aaaaaaaaaaaaaaaa")));
      endpoint.faults().partialSuccess(Map.of(0, 500)).respond(503, Duration.ofSeconds(1))
          .delay(Duration.ofMillis(5)).resetConnection();
      Flux.range(0, 40)
          .flatMap(i -> Mono.fromCallable(() -> {
            try {
              return http.postGzipNdjson(batch).status();
            } catch (RuntimeException reset) {
              return -1;
            }
          }).subscribeOn(Schedulers.boundedElastic()), 4)
          .collectList()
          .block(Duration.ofSeconds(60));
      assertThat(http.get("/api/stats").status()).isEqualTo(200);
      assertThat(http.get("/api/traces/" + Envelopes.TRACE).status()).isEqualTo(200);
      // The trace viewer: its files and its queries (computed on Reactor's parallel threads).
      endpoint.faults().clear();
      assertThat(http.postGzipNdjson(ViewerFixture.ndjson()).status()).isEqualTo(200);
      for (String path : List.of("/", "/viewer/viewer.js", "/viewer/viewer.css", "/api/operations?q=orders",
          "/api/map?minutes=15", "/api/map/calls?edge=role:orders-%3Erole:inventory", "/api/failures",
          "/api/items?limit=2", "/api/traces/" + ViewerFixture.T1)) {
        assertThat(http.get(path).status()).as(path).isEqualTo(200);
      }
      assertThat(http.get("/api/operations?limit=none").status()).isEqualTo(400);
      assertThat(endpoint.stats().requestsReceived()).isEqualTo(41);
      assertThat(endpoint.store().items()).isNotEmpty();
    }
  }
}
