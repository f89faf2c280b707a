package io.weft.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Checks one Application Insights envelope against the ingestion schema and Weft's spec
 * ({@code spec/appinsights-ingestion.md}): required fields per telemetry type, JSON types, the {@code time} and
 * {@code duration} formats and ranges, id formats, length limits, the instrumentation key, and known base types.
 *
 * <p>Usable on its own in tests: {@code EnvelopeValidator.create("my-ikey").validate(json)} returns every problem
 * found, each a precise sentence naming the field; an empty list means the service would accept the item. Immutable
 * and thread-safe; never throws on bad input.
 */
public final class EnvelopeValidator {
  /** The largest serialized item the service accepts. */
  public static final int MAX_ITEM_BYTES = 64 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  // Context tag limits (Microsoft.ApplicationInsights Property.TagSizeLimits).
  private static final Map<String, Integer> TAG_LIMITS = Map.ofEntries(
      Map.entry("ai.operation.id", 128),
      Map.entry("ai.operation.parentId", 128),
      Map.entry("ai.operation.name", 1024),
      Map.entry("ai.operation.syntheticSource", 1024),
      Map.entry("ai.operation.correlationVector", 64),
      Map.entry("ai.cloud.role", 256),
      Map.entry("ai.cloud.roleInstance", 256),
      Map.entry("ai.internal.sdkVersion", 64),
      Map.entry("ai.internal.agentVersion", 64),
      Map.entry("ai.internal.nodeName", 256),
      Map.entry("ai.device.id", 1024),
      Map.entry("ai.device.osVersion", 256),
      Map.entry("ai.device.type", 64),
      Map.entry("ai.device.locale", 64),
      Map.entry("ai.device.model", 256),
      Map.entry("ai.device.oemName", 256),
      Map.entry("ai.user.id", 128),
      Map.entry("ai.user.authUserId", 1024),
      Map.entry("ai.user.accountId", 1024),
      Map.entry("ai.user.userAgent", 1024),
      Map.entry("ai.session.id", 64),
      Map.entry("ai.session.isFirst", 5),
      Map.entry("ai.location.ip", 45),
      Map.entry("ai.application.ver", 1024));
  private static final int DEFAULT_TAG_LIMIT = 1024;

  private static final Set<String> BASE_TYPES = Set.of("RemoteDependencyData", "RequestData", "ExceptionData",
      "MessageData", "EventData", "MetricData", "PageViewData", "AvailabilityData");
  private static final Set<String> SEVERITIES = Set.of("Verbose", "Information", "Warning", "Error", "Critical");
  private static final int MAX_DAYS = 1000;

  private final @Nullable String instrumentationKey;

  private EnvelopeValidator(@Nullable String instrumentationKey) {
    this.instrumentationKey = instrumentationKey;
  }

  /** A validator that requires {@code iKey} to equal {@code instrumentationKey} (case-insensitive). */
  public static EnvelopeValidator create(String instrumentationKey) {
    return new EnvelopeValidator(instrumentationKey);
  }

  /** A validator that accepts any non-empty {@code iKey}. */
  public static EnvelopeValidator anyKey() {
    return new EnvelopeValidator(null);
  }

  /** The problems of one envelope given as JSON text; an unparsable text is one problem. */
  public List<String> validate(String json) {
    JsonNode envelope;
    try {
      envelope = JSON.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return List.of("not valid JSON: " + e.getOriginalMessage());
    } catch (RuntimeException e) {
      return List.of("not valid JSON: " + e.getMessage());
    }
    if (json.length() > MAX_ITEM_BYTES) {
      List<String> problems = new ArrayList<>(validate(envelope));
      problems.add(0, "item is larger than " + MAX_ITEM_BYTES + " bytes");
      return problems;
    }
    return validate(envelope);
  }

  /** The problems of one parsed envelope; empty when it is valid. */
  public List<String> validate(@Nullable JsonNode envelope) {
    List<String> problems = new ArrayList<>(2);
    if (envelope == null || !envelope.isObject()) {
      problems.add("envelope must be a JSON object");
      return problems;
    }
    requiredString(envelope, "name", "envelope", 1024, problems);
    checkTime(envelope.get("time"), problems);
    checkIKey(envelope.get("iKey"), problems);
    JsonNode sampleRate = envelope.get("sampleRate");
    if (sampleRate != null && !(sampleRate.isNumber() && sampleRate.asDouble() > 0 && sampleRate.asDouble() <= 100)) {
      problems.add("sampleRate must be a number in (0, 100]: " + sampleRate);
    }
    JsonNode ver = envelope.get("ver");
    if (ver != null && !ver.isIntegralNumber()) {
      problems.add("ver must be an integer: " + ver);
    }
    JsonNode seq = envelope.get("seq");
    if (seq != null && !(seq.isTextual() && seq.asText().length() <= 64)) {
      problems.add("seq must be a string of at most 64 characters");
    }
    checkTags(envelope.get("tags"), problems);
    checkData(envelope.get("data"), problems);
    return problems;
  }

  private void checkIKey(@Nullable JsonNode iKey, List<String> problems) {
    if (iKey == null || !iKey.isTextual() || iKey.asText().isEmpty()) {
      problems.add("iKey is required (the instrumentation key)");
    } else if (instrumentationKey != null && !instrumentationKey.equalsIgnoreCase(iKey.asText())) {
      problems.add("Invalid instrumentation key: iKey does not match this endpoint's key");
    }
  }

  private static void checkTime(@Nullable JsonNode time, List<String> problems) {
    if (time == null || !time.isTextual()) {
      problems.add("time is required: an ISO-8601 UTC timestamp such as 2026-01-31T12:00:00.123456Z");
      return;
    }
    String t = time.asText();
    if (!isUtcTimestamp(t)) {
      problems.add("time must be ISO-8601 UTC ending in Z (yyyy-MM-ddTHH:mm:ss[.fffffff]Z): \"" + t + "\"");
    }
  }

  static boolean isUtcTimestamp(String t) {
    // yyyy-MM-ddTHH:mm:ss then optional .f{1,9} then Z
    int n = t.length();
    if (n < 20 || t.charAt(n - 1) != 'Z' || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T'
        || t.charAt(13) != ':' || t.charAt(16) != ':') {
      return false;
    }
    if (!digits(t, 0, 4) || !digits(t, 5, 7) || !digits(t, 8, 10) || !digits(t, 11, 13) || !digits(t, 14, 16)
        || !digits(t, 17, 19)) {
      return false;
    }
    if (n > 20) {
      if (t.charAt(19) != '.' || n - 21 < 1 || n - 21 > 9 || !digits(t, 20, n - 1)) {
        return false;
      }
    }
    try {
      LocalDateTime.of(Integer.parseInt(t, 0, 4, 10), Integer.parseInt(t, 5, 7, 10), Integer.parseInt(t, 8, 10, 10),
          Integer.parseInt(t, 11, 13, 10), Integer.parseInt(t, 14, 16, 10), Integer.parseInt(t, 17, 19, 10));
      return true;
    } catch (DateTimeException e) {
      return false;
    }
  }

  private static boolean digits(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code d} is an Application Insights duration: {@code [d.]hh:mm:ss[.fffffff]}, hours < 24, minutes and
   * seconds < 60, fewer than 1,000 days.
   */
  static boolean isDuration(String d) {
    int dot = d.indexOf('.');
    int colon = d.indexOf(':');
    if (colon < 0) {
      return false;
    }
    int start = 0;
    if (dot >= 0 && dot < colon) {
      if (dot == 0 || dot > 3 || !digits(d, 0, dot)) {
        return false;
      }
      if (Integer.parseInt(d, 0, dot, 10) >= MAX_DAYS) {
        return false;
      }
      start = dot + 1;
    }
    // hh:mm:ss
    if (d.length() < start + 8 || d.charAt(start + 2) != ':' || d.charAt(start + 5) != ':') {
      return false;
    }
    if (!digits(d, start, start + 2) || !digits(d, start + 3, start + 5) || !digits(d, start + 6, start + 8)) {
      return false;
    }
    if (Integer.parseInt(d, start, start + 2, 10) > 23 || Integer.parseInt(d, start + 3, start + 5, 10) > 59
        || Integer.parseInt(d, start + 6, start + 8, 10) > 59) {
      return false;
    }
    int rest = start + 8;
    if (rest == d.length()) {
      return true;
    }
    int fraction = d.length() - rest - 1;
    return d.charAt(rest) == '.' && fraction >= 1 && fraction <= 7 && digits(d, rest + 1, d.length());
  }

  private static void checkTags(@Nullable JsonNode tags, List<String> problems) {
    if (tags == null || tags.isNull()) {
      return;
    }
    if (!tags.isObject()) {
      problems.add("tags must be an object of strings");
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = tags.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> tag = it.next();
      JsonNode value = tag.getValue();
      if (!value.isTextual()) {
        problems.add("tags." + tag.getKey() + " must be a string");
        continue;
      }
      int limit = TAG_LIMITS.getOrDefault(tag.getKey(), DEFAULT_TAG_LIMIT);
      if (value.asText().length() > limit) {
        problems.add("tags." + tag.getKey() + " is longer than " + limit + " characters (" + value.asText().length()
            + ")");
      }
      if ((tag.getKey().equals("ai.operation.id") || tag.getKey().equals("ai.operation.parentId"))
          && !isId(value.asText())) {
        problems.add("tags." + tag.getKey() + " must be a non-empty id without spaces or control characters: \""
            + value.asText() + "\"");
      }
    }
  }

  /** An id: non-empty printable ASCII without spaces (W3C hex ids, legacy |root.span. ids, GUIDs). */
  static boolean isId(String id) {
    if (id.isEmpty()) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  private static void checkData(@Nullable JsonNode data, List<String> problems) {
    if (data == null || !data.isObject()) {
      problems.add("data is required: an object with baseType and baseData");
      return;
    }
    JsonNode baseTypeNode = data.get("baseType");
    if (baseTypeNode == null || !baseTypeNode.isTextual()) {
      problems.add("data.baseType is required");
      return;
    }
    String baseType = baseTypeNode.asText();
    if (!BASE_TYPES.contains(baseType)) {
      problems.add("data.baseType is not a known telemetry type: \"" + baseType + "\"");
      return;
    }
    JsonNode base = data.get("baseData");
    if (base == null || !base.isObject()) {
      problems.add("data.baseData is required for " + baseType);
      return;
    }
    String at = "baseData";
    JsonNode ver = base.get("ver");
    if (ver == null || !ver.isIntegralNumber()) {
      problems.add(at + ".ver is required: an integer (2)");
    }
    switch (baseType) {
      case "RemoteDependencyData" -> {
        requiredString(base, "name", at, 1024, problems);
        requiredDuration(base, at, problems);
        optionalId(base, "id", at, 512, problems);
        optionalString(base, "resultCode", at, 1024, problems);
        optionalBoolean(base, "success", at, problems);
        optionalString(base, "data", at, 8192, problems);
        optionalString(base, "type", at, 1024, problems);
        optionalString(base, "target", at, 1024, problems);
      }
      case "RequestData" -> {
        requiredId(base, "id", at, 512, problems);
        requiredDuration(base, at, problems);
        requiredString(base, "responseCode", at, 1024, problems);
        JsonNode success = base.get("success");
        if (success == null || !success.isBoolean()) {
          problems.add(at + ".success is required: a boolean");
        }
        optionalString(base, "name", at, 1024, problems);
        optionalString(base, "source", at, 1024, problems);
        optionalString(base, "url", at, 2048, problems);
      }
      case "ExceptionData" -> checkExceptions(base, at, problems);
      case "MessageData" -> {
        requiredString(base, "message", at, 32768, problems);
        checkSeverity(base, at, problems);
      }
      case "EventData" -> requiredString(base, "name", at, 512, problems);
      case "MetricData" -> checkMetrics(base, at, problems);
      case "PageViewData" -> {
        requiredString(base, "name", at, 1024, problems);
        optionalString(base, "url", at, 2048, problems);
      }
      case "AvailabilityData" -> {
        requiredId(base, "id", at, 512, problems);
        requiredString(base, "name", at, 1024, problems);
        requiredDuration(base, at, problems);
        JsonNode success = base.get("success");
        if (success == null || !success.isBoolean()) {
          problems.add(at + ".success is required: a boolean");
        }
      }
      default -> problems.add("data.baseType is not a known telemetry type: \"" + baseType + "\"");
    }
    checkProperties(base, at, problems);
  }

  private static void checkExceptions(JsonNode base, String at, List<String> problems) {
    JsonNode exceptions = base.get("exceptions");
    if (exceptions == null || !exceptions.isArray() || exceptions.isEmpty()) {
      problems.add(at + ".exceptions is required: a non-empty array");
      return;
    }
    for (int i = 0; i < exceptions.size(); i++) {
      JsonNode exception = exceptions.get(i);
      String path = at + ".exceptions[" + i + "]";
      if (!exception.isObject()) {
        problems.add(path + " must be an object");
        continue;
      }
      requiredString(exception, "typeName", path, 1024, problems);
      requiredString(exception, "message", path, 32768, problems);
      JsonNode stack = exception.get("stack");
      if (stack != null && !stack.isNull() && !stack.isTextual()) {
        problems.add(path + ".stack must be a string");
      }
    }
    checkSeverity(base, at, problems);
  }

  private static void checkSeverity(JsonNode base, String at, List<String> problems) {
    JsonNode severity = base.get("severityLevel");
    if (severity != null && !severity.isNull() && !(severity.isTextual() && SEVERITIES.contains(severity.asText()))) {
      problems.add(at + ".severityLevel must be one of " + SEVERITIES + ": " + severity);
    }
  }

  private static void checkMetrics(JsonNode base, String at, List<String> problems) {
    JsonNode metrics = base.get("metrics");
    if (metrics == null || !metrics.isArray() || metrics.isEmpty()) {
      problems.add(at + ".metrics is required: a non-empty array");
      return;
    }
    for (int i = 0; i < metrics.size(); i++) {
      JsonNode metric = metrics.get(i);
      String path = at + ".metrics[" + i + "]";
      requiredString(metric, "name", path, 1024, problems);
      JsonNode value = metric.get("value");
      if (value == null || !value.isNumber()) {
        problems.add(path + ".value is required: a number");
      }
    }
  }

  private static void checkProperties(JsonNode base, String at, List<String> problems) {
    JsonNode properties = base.get("properties");
    if (properties != null && !properties.isNull()) {
      if (!properties.isObject()) {
        problems.add(at + ".properties must be an object of strings");
      } else {
        for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> property = it.next();
          if (property.getKey().length() > 150) {
            problems.add(at + ".properties has a key longer than 150 characters: \""
                + property.getKey().substring(0, 40) + "…\"");
          }
          if (!property.getValue().isTextual()) {
            problems.add(at + ".properties." + property.getKey() + " must be a string");
          } else if (property.getValue().asText().length() > 8192) {
            problems.add(at + ".properties." + property.getKey() + " is longer than 8192 characters");
          }
        }
      }
    }
    JsonNode measurements = base.get("measurements");
    if (measurements != null && !measurements.isNull()) {
      if (!measurements.isObject()) {
        problems.add(at + ".measurements must be an object of numbers");
      } else {
        for (Iterator<Map.Entry<String, JsonNode>> it = measurements.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> measurement = it.next();
          if (!measurement.getValue().isNumber()) {
            problems.add(at + ".measurements." + measurement.getKey() + " must be a number");
          }
        }
      }
    }
  }

  private static void requiredDuration(JsonNode base, String at, List<String> problems) {
    JsonNode duration = base.get("duration");
    if (duration == null || !duration.isTextual()) {
      problems.add(at + ".duration is required: [d.]hh:mm:ss.ffffff");
    } else if (!isDuration(duration.asText())) {
      problems.add(at + ".duration must be [d.]hh:mm:ss[.fffffff] with fewer than 1000 days: \"" + duration.asText()
          + "\"");
    }
  }

  private static void requiredString(JsonNode node, String field, String at, int max, List<String> problems) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual() || value.asText().isEmpty()) {
      problems.add(at + "." + field + " is required: a non-empty string");
    } else if (value.asText().length() > max) {
      problems.add(at + "." + field + " is longer than " + max + " characters (" + value.asText().length() + ")");
    }
  }

  private static void optionalString(JsonNode node, String field, String at, int max, List<String> problems) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return;
    }
    if (!value.isTextual()) {
      problems.add(at + "." + field + " must be a string");
    } else if (value.asText().length() > max) {
      problems.add(at + "." + field + " is longer than " + max + " characters (" + value.asText().length() + ")");
    }
  }

  private static void optionalBoolean(JsonNode node, String field, String at, List<String> problems) {
    JsonNode value = node.get(field);
    if (value != null && !value.isNull() && !value.isBoolean()) {
      problems.add(at + "." + field + " must be a boolean");
    }
  }

  private static void requiredId(JsonNode node, String field, String at, int max, List<String> problems) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual() || value.asText().isEmpty()) {
      problems.add(at + "." + field + " is required: a non-empty id");
      return;
    }
    checkId(value.asText(), field, at, max, problems);
  }

  private static void optionalId(JsonNode node, String field, String at, int max, List<String> problems) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return;
    }
    if (!value.isTextual()) {
      problems.add(at + "." + field + " must be a string");
      return;
    }
    checkId(value.asText(), field, at, max, problems);
  }

  private static void checkId(String id, String field, String at, int max, List<String> problems) {
    if (id.length() > max) {
      problems.add(at + "." + field + " is longer than " + max + " characters");
    } else if (!isId(id)) {
      problems.add(at + "." + field + " must be an id without spaces or control characters: \"" + id + "\"");
    }
  }
}
