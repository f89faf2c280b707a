package io.weft.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.blockhound.BlockHound;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Request handling never blocks a Netty event loop: ingestion with validation, storage and the store file, the
 * query API, and faults, with BlockHound installed (it fails any blocking call on a non-blocking thread).
 */
class LocalEndpointBlockHoundTest {

  @BeforeAll
  static void install() {
    // Netty's adaptive allocator waits on its own lock when two threads grow it at once: not the code under test
    // (weft-testing's NettyAllocatorBlockHoundIntegration does the same for the modules that use the test kit).
    BlockHound.install(builder ->
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free"));
  }

  @Test
  void blockHoundIsActive() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Mono.fromCallable(() -> {
      Thread.sleep(1);
      return 1;
    }).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(5))).hasMessageContaining("Blocking call");
  }

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
      assertThat(endpoint.stats().requestsReceived()).isEqualTo(40);
      assertThat(endpoint.store().items()).isNotEmpty();
    }
  }
}
