package io.weft.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every fault, observed with a plain reactor-netty client. */
class FaultsTest {
  final LocalEndpoint endpoint = LocalEndpoint.start();
  final Http http = new Http(endpoint.url());
  final byte[] three = Envelopes.ndjson(List.of(Envelopes.message(), Envelopes.message(), Envelopes.message()));

  @AfterEach
  void close() {
    endpoint.close();
  }

  @Test
  void statusWithRetryAfterInSeconds() {
    endpoint.faults().respond(503, Duration.ofSeconds(7));
    Http.Response response = http.postGzipNdjson(three);
    assertThat(response.status()).isEqualTo(503);
    assertThat(response.headers().get("Retry-After")).isEqualTo("7");
    assertThat(response.json().get("itemsAccepted").asInt()).isZero();
    assertThat(response.json().get("errors")).hasSize(3);
    assertThat(endpoint.store().items()).isEmpty();
    assertThat(http.postGzipNdjson(three).status()).as("faults are used once, in order").isEqualTo(200);
  }

  @Test
  void rawAnswerIsSentAsGivenAndStoresNothing() {
    endpoint.faults().respondRaw(206, "<html>bad gateway</html>");
    Http.Response response = http.postGzipNdjson(three);
    assertThat(response.status()).isEqualTo(206);
    assertThat(response.body()).isEqualTo("<html>bad gateway</html>");
    assertThat(endpoint.store().items()).isEmpty();
    assertThat(endpoint.stats().itemsRejected()).isEqualTo(3);
  }

  @Test
  void statusWithRetryAfterAsHttpDate() {
    ZonedDateTime at = ZonedDateTime.of(2026, 11, 25, 18, 0, 5, 0, ZoneOffset.UTC);
    endpoint.faults().respond(429, at);
    Http.Response response = http.postGzipNdjson(three);
    assertThat(response.status()).isEqualTo(429);
    assertThat(response.headers().get("Retry-After")).isEqualTo("Wed, 25 Nov 2026 18:00:05 GMT");
  }

  @Test
  void queuedFaultsApplyInOrder() {
    endpoint.faults().respond(500).respond(402).respond(439);
    assertThat(List.of(http.postGzipNdjson(three).status(), http.postGzipNdjson(three).status(),
        http.postGzipNdjson(three).status(), http.postGzipNdjson(three).status())).containsExactly(500, 402, 439, 200);
    assertThat(endpoint.faults().pending()).isZero();
  }

  @Test
  void partialSuccessFailsChosenItemsWithChosenCodes() {
    endpoint.faults().partialSuccess(Map.of(0, 429, 2, 400));
    Http.Response response = http.postGzipNdjson(three);
    assertThat(response.status()).isEqualTo(206);
    JsonNode errors = response.json().get("errors");
    assertThat(response.json().get("itemsAccepted").asInt()).isEqualTo(1);
    assertThat(errors).hasSize(2);
    assertThat(errors.get(0).get("index").asInt()).isZero();
    assertThat(errors.get(0).get("statusCode").asInt()).isEqualTo(429);
    assertThat(errors.get(1).get("index").asInt()).isEqualTo(2);
    assertThat(errors.get(1).get("statusCode").asInt()).isEqualTo(400);
    assertThat(endpoint.store().items()).hasSize(1);
  }

  @Test
  void sampledOutIsTheServicesMessage() {
    endpoint.faults().sampledOut(1);
    JsonNode error = http.postGzipNdjson(three).json().get("errors").get(0);
    assertThat(error.get("statusCode").asInt()).isEqualTo(206);
    assertThat(error.get("message").asText()).isEqualTo("Telemetry sampled out.");
  }

  @Test
  void redirectsTo307And308() {
    try (LocalEndpoint other = LocalEndpoint.start()) {
      endpoint.faults().redirect(308, other.url()).redirect(307, other.url());
      Http.Response permanent = http.postGzipNdjson(three);
      assertThat(permanent.status()).isEqualTo(308);
      assertThat(permanent.headers().get("Location")).isEqualTo(other.url());
      assertThat(http.postGzipNdjson(three).status()).isEqualTo(307);
      assertThat(endpoint.store().items()).isEmpty();
      assertThat(new Http(permanent.headers().get("Location")).postGzipNdjson(three).status()).isEqualTo(200);
    }
    assertThatThrownBy(() -> endpoint.faults().redirect(302, "http://x/"))
        .hasMessage("redirect status must be 307 or 308: 302");
  }

  @Test
  void connectionResetMidRequest() {
    endpoint.faults().resetConnection();
    assertThatThrownBy(() -> http.postGzipNdjson(three)).satisfies(error -> assertThat(error.toString())
        .containsAnyOf("Connection reset", "Connection prematurely closed", "PrematureCloseException"));
    assertThat(http.postGzipNdjson(three).status()).isEqualTo(200);
  }

  @Test
  void delayBeforeAnswering() {
    endpoint.faults().delay(Duration.ofMillis(300));
    long start = System.nanoTime();
    assertThat(http.postGzipNdjson(three).status()).isEqualTo(200);
    // A lower bound only: the answer cannot come before the delay, however loaded the machine is.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void pauseRefusesConnectionsAndResumeServesOnTheSamePort() {
    int port = endpoint.port();
    endpoint.pause();
    assertThat(endpoint.isListening()).isFalse();
    assertThatThrownBy(() -> http.postGzipNdjson(three)).satisfies(error -> assertThat(error.toString())
        .containsIgnoringCase("Connection refused"));
    endpoint.resume();
    assertThat(endpoint.port()).isEqualTo(port);
    assertThat(http.postGzipNdjson(three).status()).isEqualTo(200);
  }

  @Test
  void randomFailuresFollowTheSeed() {
    endpoint.faults().failRandomly(0.5, 42, 500);
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      statuses.add(http.postGzipNdjson(three).status());
    }
    Random expected = new Random(42);
    List<Integer> predicted = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      predicted.add(expected.nextDouble() < 0.5 ? 500 : 200);
    }
    assertThat(statuses).isEqualTo(predicted).contains(200, 500);
    endpoint.faults().clear();
    assertThat(http.postGzipNdjson(three).status()).isEqualTo(200);
  }
}
