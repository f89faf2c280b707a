package io.weft.exporter.azure;

import static io.weft.exporter.azure.ResponseClassifier.Outcome.ACCEPTED;
import static io.weft.exporter.azure.ResponseClassifier.Outcome.QUOTA;
import static io.weft.exporter.azure.ResponseClassifier.Outcome.REJECTED;
import static io.weft.exporter.azure.ResponseClassifier.Outcome.RETRY;
import static org.assertj.core.api.Assertions.assertThat;

import io.weft.exporter.azure.ResponseClassifier.Kind;
import io.weft.exporter.azure.ResponseClassifier.Verdict;
import io.weft.exporter.azure.Sender.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ResponseClassifierTest {

  static Verdict classify(int status, String body, int items) {
    return ResponseClassifier.classify(new Response(status, null, null, body), items);
  }

  static String track(int received, int accepted, String errors) {
    return "{\"itemsReceived\":" + received + ",\"itemsAccepted\":" + accepted + ",\"errors\":[" + errors + "]}";
  }

  static String error(int index, int status, String message) {
    return "{\"index\":" + index + ",\"statusCode\":" + status + ",\"message\":\"" + message + "\"}";
  }

  @Test
  void okAcceptsEverything() {
    Verdict verdict = classify(200, track(3, 3, ""), 3);
    assertThat(verdict.kind()).isEqualTo(Kind.DELIVERED);
    assertThat(verdict.outcomes()).containsExactly(ACCEPTED, ACCEPTED, ACCEPTED);
  }

  @Test
  void partialSuccessPerItem() {
    String errors = String.join(",", error(0, 500, "x"), error(1, 400, "bad field"), error(2, 429, "slow"),
        error(4, 439, "quota"), error(5, 206, "Telemetry sampled out."), error(6, 401, "auth"));
    Verdict verdict = classify(206, track(7, 1, errors), 7);
    assertThat(verdict.kind()).isEqualTo(Kind.PARTIAL);
    assertThat(verdict.outcomes()).containsExactly(RETRY, REJECTED, RETRY, ACCEPTED, QUOTA, ACCEPTED, RETRY);
    assertThat(verdict.detail()).isEqualTo("item rejected with 400: bad field");
  }

  @Test
  void sampledOutMayBeCountedAsAcceptedOrAsAnError() {
    String errors = error(1, 206, "Telemetry sampled out.");
    assertThat(classify(206, track(2, 1, errors), 2).kind()).isEqualTo(Kind.PARTIAL);
    assertThat(classify(206, track(2, 2, errors), 2).kind()).isEqualTo(Kind.PARTIAL);
    assertThat(classify(206, track(2, 2, errors), 2).outcomes()).containsExactly(ACCEPTED, ACCEPTED);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {
      "",
      "not json",
      "[1,2,3]",
      "{\"itemsReceived\":3,\"itemsAccepted\":2,\"errors\":[{\"index\":1,\"statusCode\":500",
      "{\"itemsReceived\":5,\"itemsAccepted\":5,\"errors\":[]}",
      "{\"itemsReceived\":3,\"itemsAccepted\":2}",
      "{\"itemsAccepted\":2,\"errors\":[{\"index\":0,\"statusCode\":500}]}",
      "{\"itemsReceived\":3,\"itemsAccepted\":2,\"errors\":[{\"index\":7,\"statusCode\":400}]}",
      "{\"itemsReceived\":3,\"itemsAccepted\":1,\"errors\":[{\"index\":0,\"statusCode\":400},{\"index\":0,\"statusCode\":400}]}",
      "{\"itemsReceived\":3,\"itemsAccepted\":2,\"errors\":[{\"index\":1}]}",
      "{\"itemsReceived\":3,\"itemsAccepted\":2,\"errors\":{\"index\":1,\"statusCode\":400}}",
  })
  void a206ThatCannotBeTrustedConfirmsNothing(String body) {
    Verdict verdict = classify(206, body, 3);
    assertThat(verdict.kind()).isEqualTo(Kind.UNTRUSTED);
    assertThat(verdict.outcomes()).containsOnly(RETRY).hasSize(3);
    assertThat(verdict.detail()).endsWith("resending every item");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"408", "429", "500", "502", "503", "504", "401", "403"})
  void retryableStatusesFailTheRequest(int status) {
    Verdict verdict = classify(status, "", 2);
    assertThat(verdict.kind()).isEqualTo(Kind.FAILED);
    assertThat(verdict.outcomes()).containsExactly(RETRY, RETRY);
    assertThat(verdict.detail()).isEqualTo("status " + status);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"400, REJECTED", "404, REJECTED", "413, REJECTED", "402, QUOTA", "439, QUOTA"})
  void otherStatusesDropEverything(int status, ResponseClassifier.Outcome outcome) {
    Verdict verdict = classify(status, "{\"error\":\"nope\"}", 2);
    assertThat(verdict.kind()).isEqualTo(Kind.DROPPED);
    assertThat(verdict.outcomes()).containsExactly(outcome, outcome);
    assertThat(verdict.detail()).isEqualTo("status " + status + ": {\"error\":\"nope\"}");
  }

  @Test
  void redirects() {
    assertThat(classify(307, "", 2).kind()).isEqualTo(Kind.REDIRECT);
    assertThat(classify(308, "", 2).kind()).isEqualTo(Kind.REDIRECT);
  }
}
