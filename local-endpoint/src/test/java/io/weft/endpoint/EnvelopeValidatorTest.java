package io.weft.endpoint;

import static io.weft.endpoint.Envelopes.IKEY;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EnvelopeValidatorTest {
  final EnvelopeValidator validator = EnvelopeValidator.create(IKEY);

  @Test
  void validEnvelopesOfEveryKindPass() {
    assertThat(validator.validate(Envelopes.request("aaaaaaaaaaaaaaaa", "GET /"))).isEmpty();
    assertThat(validator.validate(Envelopes.dependency("bbbbbbbbbbbbbbbb", "aaaaaaaaaaaaaaaa", "SELECT x"))).isEmpty();
    assertThat(validator.validate(Envelopes.exception("aaaaaaaaaaaaaaaa"))).isEmpty();
    assertThat(validator.validate(Envelopes.message())).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "\"name\":\"Microsoft.ApplicationInsights.Message\",|\"name\":\"\",|envelope.name is required: a non-empty string",
      "\"time\":\"2026-11-25T10:00:00Z\"|\"time\":\"2026-11-25 10:00:00\"|time must be ISO-8601 UTC ending in Z",
      "\"time\":\"2026-11-25T10:00:00Z\"|\"time\":\"2026-02-30T10:00:00Z\"|time must be ISO-8601 UTC ending in Z",
      "\"time\":\"2026-11-25T10:00:00Z\"|\"time\":\"2026-11-25T10:00:00+01:00\"|time must be ISO-8601 UTC ending in Z",
      "\"iKey\":\"11111111-2222-3333-4444-555555555555\"|\"iKey\":\"other\"|Invalid instrumentation key",
      "\"baseType\":\"MessageData\"|\"baseType\":\"TraceData\"|data.baseType is not a known telemetry type",
      "\"message\":\"hello\",|\"message\":\"\",|baseData.message is required: a non-empty string",
      "\"severityLevel\":\"Information\"|\"severityLevel\":\"Loud\"|baseData.severityLevel must be one of",
      "\"ver\":2,|\"ver\":\"2\",|baseData.ver is required: an integer (2)",
  })
  void messageRules(String from, String to, String expected) {
    String envelope = Envelopes.message().replace(from, to);
    assertThat(envelope).isNotEqualTo(Envelopes.message());
    assertThat(validator.validate(envelope)).anySatisfy(problem -> assertThat(problem).startsWith(expected));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "\"duration\":\"00:00:00.001\"|\"duration\":\"1 ms\"|baseData.duration must be [d.]hh:mm:ss[.fffffff]",
      "\"duration\":\"00:00:00.001\"|\"duration\":\"1000.00:00:00\"|baseData.duration must be",
      "\"duration\":\"00:00:00.001\"|\"duration\":\"00:61:00\"|baseData.duration must be",
      "\"duration\":\"00:00:00.001\",|\"size\":1,|baseData.duration is required",
      "\"name\":\"SELECT x\"|\"name\":null|baseData.name is required",
      "\"success\":true|\"success\":\"yes\"|baseData.success must be a boolean",
      "\"id\":\"bbbbbbbbbbbbbbbb\"|\"id\":\"has space\"|baseData.id must be an id without spaces",
      "\"ai.operation.parentId\":\"aaaaaaaaaaaaaaaa\"|\"ai.operation.parentId\":\"\"|tags.ai.operation.parentId must be a non-empty id",
      "\"properties\":{\"db.system\":\"h2\"}|\"properties\":{\"db.system\":7}|baseData.properties.db.system must be a string",
      "\"sampleRate\":100.0|\"sampleRate\":0|sampleRate must be a number in (0, 100]",
  })
  void dependencyRules(String from, String to, String expected) {
    String valid = Envelopes.dependency("bbbbbbbbbbbbbbbb", "aaaaaaaaaaaaaaaa", "SELECT x");
    String envelope = valid.replace(from, to);
    assertThat(envelope).isNotEqualTo(valid);
    assertThat(validator.validate(envelope)).anySatisfy(problem -> assertThat(problem).startsWith(expected));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "\"responseCode\":\"200\",|\"\":0,|baseData.responseCode is required",
      "\"success\":true,|\"\":0,|baseData.success is required: a boolean",
      "\"id\":\"aaaaaaaaaaaaaaaa\",|\"\":0,|baseData.id is required: a non-empty id",
  })
  void requestRules(String from, String to, String expected) {
    String valid = Envelopes.request("aaaaaaaaaaaaaaaa", "GET /");
    String envelope = valid.replace(from, to);
    assertThat(validator.validate(envelope)).anySatisfy(problem -> assertThat(problem).startsWith(expected));
  }

  @Test
  void exceptionNeedsANonEmptyMessage() {
    String envelope = Envelopes.exception("aaaaaaaaaaaaaaaa").replace("\"message\":\"boom\"", "\"message\":\"\"");
    assertThat(validator.validate(envelope)).containsExactly(
        "baseData.exceptions[0].message is required: a non-empty string");
  }

  @Test
  void lengthLimits() {
    String longName = "x".repeat(1025);
    String envelope = Envelopes.dependency("bbbbbbbbbbbbbbbb", "aaaaaaaaaaaaaaaa", longName);
    assertThat(validator.validate(envelope)).containsExactly("baseData.name is longer than 1024 characters (1025)");
    String longRole = Envelopes.request("aaaaaaaaaaaaaaaa", "GET /").replace("\"orders\"", "\"" + "r".repeat(257) + "\"");
    assertThat(validator.validate(longRole)).containsExactly("tags.ai.cloud.role is longer than 256 characters (257)");
    String big = Envelopes.message().replace("\"hello\"", "\"" + "m".repeat(70_000) + "\"");
    assertThat(validator.validate(big)).contains("item is larger than 65536 bytes",
        "baseData.message is longer than 32768 characters (70000)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "[]", "42", "{\"name\":", "null"})
  void notAnEnvelopeIsOneClearProblem(String json) {
    List<String> problems = validator.validate(json);
    assertThat(problems).isNotEmpty();
    assertThat(problems.get(0)).containsAnyOf("not valid JSON", "envelope must be a JSON object");
  }

  @Test
  void missingDataAndKey() {
    assertThat(EnvelopeValidator.anyKey().validate("{\"name\":\"x\",\"time\":\"2026-01-01T00:00:00Z\"}"))
        .containsExactly("iKey is required (the instrumentation key)",
            "data is required: an object with baseType and baseData");
  }

  @ParameterizedTest
  @ValueSource(strings = {"00:00:00", "00:00:01.234567", "1.02:03:04.5", "999.23:59:59.9999999", "00:00:00.1"})
  void validDurations(String duration) {
    assertThat(EnvelopeValidator.isDuration(duration)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0:00:00", "00:00", "24:00:00", "00:60:00", "1000.00:00:00", "00:00:00.", 
      "00:00:00.12345678", "-00:00:01", "00:00:00Z"})
  void invalidDurations(String duration) {
    assertThat(EnvelopeValidator.isDuration(duration)).isFalse();
  }
}
