package io.weft.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/**
 * One accepted telemetry envelope, with the fields queries use pulled out.
 *
 * @param sequence the order in which the endpoint accepted it (0-based, across all requests)
 * @param type the telemetry type: the {@code baseType} without {@code Data} ({@code RemoteDependency},
 *     {@code Request}, {@code Exception}, {@code Message}, …)
 * @param operationId the {@code ai.operation.id} tag, or null
 * @param parentId the {@code ai.operation.parentId} tag, or null
 * @param id {@code baseData.id}, or null (exceptions and messages have none)
 * @param envelope the envelope as received
 */
public record TelemetryItem(
    long sequence,
    String type,
    @Nullable String operationId,
    @Nullable String parentId,
    @Nullable String id,
    JsonNode envelope) {

  static TelemetryItem of(long sequence, JsonNode envelope) {
    String baseType = envelope.path("data").path("baseType").asText("");
    String type = baseType.endsWith("Data") ? baseType.substring(0, baseType.length() - 4) : baseType;
    JsonNode tags = envelope.path("tags");
    return new TelemetryItem(sequence, type, text(tags.get("ai.operation.id")),
        text(tags.get("ai.operation.parentId")), text(envelope.path("data").path("baseData").get("id")), envelope);
  }

  private static @Nullable String text(@Nullable JsonNode node) {
    return node != null && node.isTextual() ? node.asText() : null;
  }

  /** {@code data.baseData}. */
  public JsonNode baseData() {
    return envelope.path("data").path("baseData");
  }

  /** {@code baseData.name} (requests, dependencies, events), or null. */
  public @Nullable String name() {
    return text(baseData().get("name"));
  }

  /** A string field of {@code baseData} ({@code type}, {@code target}, {@code data}, {@code resultCode}…), or null. */
  public @Nullable String field(String name) {
    JsonNode value = baseData().get(name);
    return value == null || value.isNull() ? null : value.asText();
  }

  /** A context tag ({@code ai.cloud.role}, …), or null. */
  public @Nullable String tag(String key) {
    return text(envelope.path("tags").get(key));
  }

  /** A custom property of {@code baseData.properties}, or null. */
  public @Nullable String property(String key) {
    return text(baseData().path("properties").get(key));
  }

  /** The envelope as compact JSON. */
  public String json() {
    return envelope.toString();
  }
}
