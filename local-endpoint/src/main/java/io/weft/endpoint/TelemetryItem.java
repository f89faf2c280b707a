package io.weft.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * One accepted telemetry envelope. The endpoint keeps the envelope's bytes as received and the fields queries use;
 * the JSON tree is built on first access (keeping 100,000 trees would make ingestion GC-bound).
 *
 * <p>Thread-safe.
 */
public final class TelemetryItem {
  private final long sequence;
  private final String type;
  private final @Nullable String operationId;
  private final @Nullable String parentId;
  private final @Nullable String id;
  private final ItemSummary summary;
  private final byte[] json;
  private volatile @Nullable JsonNode envelope;

  TelemetryItem(long sequence, String type, @Nullable String operationId, @Nullable String parentId,
      @Nullable String id, ItemSummary summary, byte[] json) {
    this.sequence = sequence;
    this.type = type;
    this.operationId = operationId;
    this.parentId = parentId;
    this.id = id;
    this.summary = summary;
    this.json = json;
  }

  /** The order in which the endpoint accepted it (0-based, across all requests). */
  public long sequence() {
    return sequence;
  }

  /** The telemetry type: the {@code baseType} without {@code Data} ({@code RemoteDependency}, {@code Request}…). */
  public String type() {
    return type;
  }

  /** The {@code ai.operation.id} tag, or null. */
  public @Nullable String operationId() {
    return operationId;
  }

  /** The {@code ai.operation.parentId} tag, or null. */
  public @Nullable String parentId() {
    return parentId;
  }

  /** {@code baseData.id}, or null (exceptions and messages have none). */
  public @Nullable String id() {
    return id;
  }

  /** What the viewer's queries read, taken at ingestion. */
  ItemSummary summary() {
    return summary;
  }

  /** The envelope as received, parsed. */
  public JsonNode envelope() {
    JsonNode node = envelope;
    if (node == null) {
      node = parse();
      envelope = node;
    }
    return node;
  }

  /** The envelope parsed afresh, not kept (for queries that show many items once). */
  JsonNode readEnvelope() {
    JsonNode node = envelope;
    return node != null ? node : parse();
  }

  private JsonNode parse() {
    try {
      return LocalEndpoint.JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("stored envelope is not JSON", e);
    }
  }

  /** {@code data.baseData}. */
  public JsonNode baseData() {
    return envelope().path("data").path("baseData");
  }

  /** {@code baseData.name} (requests, dependencies, events), or null. */
  public @Nullable String name() {
    return text(baseData().get("name"));
  }

  /** A field of {@code baseData} as text ({@code type}, {@code target}, {@code data}, {@code resultCode}…), or null. */
  public @Nullable String field(String name) {
    JsonNode value = baseData().get(name);
    return value == null || value.isNull() ? null : value.asText();
  }

  /** A context tag ({@code ai.cloud.role}, …), or null. */
  public @Nullable String tag(String key) {
    return text(envelope().path("tags").get(key));
  }

  /** A custom property of {@code baseData.properties}, or null. */
  public @Nullable String property(String key) {
    return text(baseData().path("properties").get(key));
  }

  /** The envelope as received (compact JSON as the client sent it). */
  public String json() {
    return new String(json, StandardCharsets.UTF_8);
  }

  byte[] bytes() {
    return json;
  }

  private static @Nullable String text(@Nullable JsonNode node) {
    return node != null && node.isTextual() ? node.asText() : null;
  }

  @Override
  public String toString() {
    return "TelemetryItem{" + sequence + " " + type + " id=" + id + " operation=" + operationId + " parent=" + parentId
        + "}";
  }
}
