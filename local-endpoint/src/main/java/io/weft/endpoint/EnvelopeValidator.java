package io.weft.endpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Checks one Application Insights envelope against the ingestion schema: required fields per telemetry type, JSON
 * types, the {@code time} and {@code duration} formats and ranges, id formats, length limits, the instrumentation
 * key, and known base types.
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
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    List<String> problems = read(bytes, 0, bytes.length).problems();
    if (bytes.length > MAX_ITEM_BYTES) {
      problems = new ArrayList<>(problems);
      problems.add(0, "item is larger than " + MAX_ITEM_BYTES + " bytes");
    }
    return problems;
  }

  /** The problems of one parsed envelope; empty when it is valid. */
  public List<String> validate(@Nullable JsonNode envelope) {
    if (envelope == null || !envelope.isObject()) {
      return List.of("envelope must be a JSON object");
    }
    try {
      byte[] bytes = JSON.writeValueAsBytes(envelope);
      return read(bytes, 0, bytes.length).problems();
    } catch (IOException e) {
      return List.of("cannot serialize the envelope: " + e.getMessage());
    }
  }

  /** What reading one envelope found: its problems and the fields the store indexes. */
  record Parsed(
      List<String> problems,
      String type,
      @Nullable String operationId,
      @Nullable String parentId,
      @Nullable String id,
      ItemSummary summary) {}

  /**
   * Reads and validates the envelope in {@code bytes[offset, offset + length)} in one streaming pass: no JSON tree
   * is built, which keeps validation cheap enough for hundreds of thousands of items per second.
   */
  Parsed read(byte[] bytes, int offset, int length) {
    try (JsonParser parser = JSON.getFactory().createParser(bytes, offset, length)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return invalid("not valid JSON: no content");
      }
      if (first != JsonToken.START_OBJECT) {
        parser.skipChildren();
        while (parser.nextToken() != null) {
          parser.skipChildren();
        }
        return invalid("envelope must be a JSON object");
      }
      Parsed parsed = readEnvelope(parser);
      if (parser.nextToken() != null) {
        List<String> problems = new ArrayList<>(parsed.problems());
        problems.add("unexpected content after the envelope");
        return new Parsed(problems, parsed.type(), parsed.operationId(), parsed.parentId(), parsed.id(),
            parsed.summary());
      }
      return parsed;
    } catch (JsonProcessingException e) {
      return invalid("not valid JSON: " + e.getOriginalMessage());
    } catch (IOException | RuntimeException e) {
      return invalid("not valid JSON: " + e.getMessage());
    }
  }

  /**
   * Reads and validates the JSON value starting at {@code first} from a parser shared across many envelopes (a
   * whole request body), leaving the parser after the value. Throws only when the JSON itself is malformed.
   */
  Parsed readValue(JsonParser parser, JsonToken first) throws IOException {
    if (first != JsonToken.START_OBJECT) {
      parser.skipChildren();
      return invalid("envelope must be a JSON object");
    }
    return readEnvelope(parser);
  }

  private static Parsed invalid(String problem) {
    return new Parsed(List.of(problem), "", null, null, null, ItemSummary.NONE);
  }

  /** Marks a JSON null, or a value whose JSON type a rule does not look into. */
  private enum Marker { NULL, OBJECT, ARRAY }

  private Parsed readEnvelope(JsonParser p) throws IOException {
    Object name = null;
    Object time = null;
    Object iKey = null;
    List<String> envelopeProblems = new ArrayList<>(0);
    List<String> tagProblems = new ArrayList<>(0);
    List<String> dataProblems = new ArrayList<>(0);
    String operationId = null;
    String parentId = null;
    String role = null;
    boolean dataSeen = false;
    String baseType = null;
    boolean baseTypeSeen = false;
    Map<String, Object> baseData = null;
    List<String> nestedProblems = new ArrayList<>(0);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken token = p.nextToken();
      switch (field) {
        case "name" -> name = scalar(p, token);
        case "time" -> time = scalar(p, token);
        case "iKey" -> iKey = scalar(p, token);
        case "sampleRate" -> {
          if (!(token.isNumeric() && p.getDoubleValue() > 0 && p.getDoubleValue() <= 100)) {
            envelopeProblems.add("sampleRate must be a number in (0, 100]: " + text(p, token));
          }
          p.skipChildren();
        }
        case "ver" -> {
          if (token != JsonToken.VALUE_NUMBER_INT) {
            envelopeProblems.add("ver must be an integer: " + text(p, token));
          }
          p.skipChildren();
        }
        case "seq" -> {
          if (token != JsonToken.VALUE_NULL && !(token == JsonToken.VALUE_STRING && p.getTextLength() <= 64)) {
            envelopeProblems.add("seq must be a string of at most 64 characters");
          }
          p.skipChildren();
        }
        case "tags" -> {
          if (token == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String key = p.currentName();
              JsonToken value = p.nextToken();
              if (value != JsonToken.VALUE_STRING) {
                tagProblems.add("tags." + key + " must be a string");
                p.skipChildren();
                continue;
              }
              String tag = p.getText();
              int limit = TAG_LIMITS.getOrDefault(key, DEFAULT_TAG_LIMIT);
              if (tag.length() > limit) {
                tagProblems.add("tags." + key + " is longer than " + limit + " characters (" + tag.length() + ")");
              }
              boolean idTag = key.equals("ai.operation.id") || key.equals("ai.operation.parentId");
              if (idTag && !isId(tag)) {
                tagProblems.add("tags." + key + " must be a non-empty id without spaces or control characters: \""
                    + tag + "\"");
              }
              if (key.equals("ai.operation.id")) {
                operationId = tag;
              } else if (key.equals("ai.operation.parentId")) {
                parentId = tag;
              } else if (key.equals("ai.cloud.role")) {
                role = tag;
              }
            }
          } else if (token != JsonToken.VALUE_NULL) {
            tagProblems.add("tags must be an object of strings");
            p.skipChildren();
          }
        }
        case "data" -> {
          if (token == JsonToken.START_OBJECT) {
            dataSeen = true;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String dataField = p.currentName();
              JsonToken value = p.nextToken();
              if (dataField.equals("baseType")) {
                baseTypeSeen = true;
                baseType = value == JsonToken.VALUE_STRING ? p.getText() : null;
                p.skipChildren();
              } else if (dataField.equals("baseData") && value == JsonToken.START_OBJECT) {
                baseData = readBaseData(p, nestedProblems);
              } else {
                p.skipChildren();
              }
            }
          } else {
            p.skipChildren();
          }
        }
        default -> p.skipChildren();
      }
    }
    List<String> problems = new ArrayList<>(2);
    requiredString(name, "name", "envelope", 1024, problems);
    checkTime(time, problems);
    checkIKey(iKey, problems);
    problems.addAll(envelopeProblems);
    problems.addAll(tagProblems);
    String type = "";
    ItemSummary summary = ItemSummary.NONE;
    if (!dataSeen) {
      problems.add("data is required: an object with baseType and baseData");
    } else if (!baseTypeSeen || baseType == null) {
      problems.add("data.baseType is required");
    } else if (!BASE_TYPES.contains(baseType)) {
      problems.add("data.baseType is not a known telemetry type: \"" + baseType + "\"");
    } else if (baseData == null) {
      problems.add("data.baseData is required for " + baseType);
    } else {
      type = baseType.substring(0, baseType.length() - "Data".length());
      checkBaseData(baseType, baseData, dataProblems);
      summary = ItemSummary.of(time, role, baseType, baseData);
      problems.addAll(dataProblems);
      problems.addAll(nestedProblems);
    }
    Object id = baseData == null ? null : baseData.get("id");
    return new Parsed(problems, type, operationId, parentId, id instanceof String ? (String) id : null, summary);
  }

  private static @Nullable Object scalar(JsonParser p, JsonToken token) throws IOException {
    switch (token) {
      case VALUE_STRING:
        return p.getText();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return p.getNumberValue();
      case VALUE_NULL:
        return Marker.NULL;
      case START_OBJECT:
        p.skipChildren();
        return Marker.OBJECT;
      case START_ARRAY:
        p.skipChildren();
        return Marker.ARRAY;
      default:
        p.skipChildren();
        return Marker.NULL;
    }
  }

  private static String text(JsonParser p, JsonToken token) throws IOException {
    if (token == JsonToken.VALUE_STRING) {
      return "\"" + p.getText() + "\"";
    }
    if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
      return token == JsonToken.START_OBJECT ? "{…}" : "[…]";
    }
    return p.getText();
  }

  /** Collects baseData's fields; checks properties and measurements on the way. */
  private static Map<String, Object> readBaseData(JsonParser p, List<String> problems) throws IOException {
    Map<String, Object> fields = new HashMap<>(16);
    String at = "baseData";
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken token = p.nextToken();
      switch (field) {
        case "properties" -> {
          if (token == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String key = p.currentName();
              JsonToken value = p.nextToken();
              if (key.length() > 150) {
                problems.add(at + ".properties has a key longer than 150 characters: \"" + key.substring(0, 40)
                    + "…\"");
              }
              if (value != JsonToken.VALUE_STRING) {
                problems.add(at + ".properties." + key + " must be a string");
              } else if (p.getTextLength() > 8192) {
                problems.add(at + ".properties." + key + " is longer than 8192 characters");
              }
              p.skipChildren();
            }
          } else if (token != JsonToken.VALUE_NULL) {
            problems.add(at + ".properties must be an object of strings");
            p.skipChildren();
          }
        }
        case "measurements" -> {
          if (token == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String key = p.currentName();
              JsonToken value = p.nextToken();
              if (!value.isNumeric()) {
                problems.add(at + ".measurements." + key + " must be a number");
              }
              p.skipChildren();
            }
          } else if (token != JsonToken.VALUE_NULL) {
            problems.add(at + ".measurements must be an object of numbers");
            p.skipChildren();
          }
        }
        case "exceptions", "metrics" -> {
          if (token == JsonToken.START_ARRAY) {
            List<Object> elements = new ArrayList<>(1);
            while (p.nextToken() != JsonToken.END_ARRAY) {
              if (p.currentToken() == JsonToken.START_OBJECT) {
                Map<String, Object> element = new HashMap<>(4);
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                  String key = p.currentName();
                  element.put(key, scalar(p, p.nextToken()));
                }
                elements.add(element);
              } else {
                p.skipChildren();
                elements.add(Marker.NULL);
              }
            }
            fields.put(field, elements);
          } else {
            fields.put(field, scalar(p, token));
          }
        }
        default -> fields.put(field, scalar(p, token));
      }
    }
    return fields;
  }

  private void checkIKey(@Nullable Object iKey, List<String> problems) {
    if (!(iKey instanceof String) || ((String) iKey).isEmpty()) {
      problems.add("iKey is required (the instrumentation key)");
    } else if (instrumentationKey != null && !instrumentationKey.equalsIgnoreCase((String) iKey)) {
      problems.add("Invalid instrumentation key: iKey does not match this endpoint's key");
    }
  }

  private static void checkTime(@Nullable Object time, List<String> problems) {
    if (!(time instanceof String)) {
      problems.add("time is required: an ISO-8601 UTC timestamp such as 2026-01-31T12:00:00.123456Z");
    } else if (!isUtcTimestamp((String) time)) {
      problems.add("time must be ISO-8601 UTC ending in Z (yyyy-MM-ddTHH:mm:ss[.fffffff]Z): \"" + time + "\"");
    }
  }

  private static void checkBaseData(String baseType, Map<String, Object> base, List<String> problems) {
    String at = "baseData";
    if (!isIntegral(base.get("ver"))) {
      problems.add(at + ".ver is required: an integer (2)");
    }
    switch (baseType) {
      case "RemoteDependencyData" -> {
        requiredString(base.get("name"), "name", at, 1024, problems);
        requiredDuration(base.get("duration"), at, problems);
        optionalId(base.get("id"), "id", at, 512, problems);
        optionalString(base.get("resultCode"), "resultCode", at, 1024, problems);
        optionalBoolean(base.get("success"), "success", at, problems);
        optionalString(base.get("data"), "data", at, 8192, problems);
        optionalString(base.get("type"), "type", at, 1024, problems);
        optionalString(base.get("target"), "target", at, 1024, problems);
      }
      case "RequestData" -> {
        requiredId(base.get("id"), "id", at, 512, problems);
        requiredDuration(base.get("duration"), at, problems);
        requiredString(base.get("responseCode"), "responseCode", at, 1024, problems);
        requiredBoolean(base.get("success"), "success", at, problems);
        optionalString(base.get("name"), "name", at, 1024, problems);
        optionalString(base.get("source"), "source", at, 1024, problems);
        optionalString(base.get("url"), "url", at, 2048, problems);
      }
      case "ExceptionData" -> {
        checkExceptions(base.get("exceptions"), at, problems);
        checkSeverity(base.get("severityLevel"), at, problems);
      }
      case "MessageData" -> {
        requiredString(base.get("message"), "message", at, 32768, problems);
        checkSeverity(base.get("severityLevel"), at, problems);
      }
      case "EventData" -> requiredString(base.get("name"), "name", at, 512, problems);
      case "MetricData" -> checkMetrics(base.get("metrics"), at, problems);
      case "PageViewData" -> {
        requiredString(base.get("name"), "name", at, 1024, problems);
        optionalString(base.get("url"), "url", at, 2048, problems);
      }
      case "AvailabilityData" -> {
        requiredId(base.get("id"), "id", at, 512, problems);
        requiredString(base.get("name"), "name", at, 1024, problems);
        requiredDuration(base.get("duration"), at, problems);
        requiredBoolean(base.get("success"), "success", at, problems);
      }
      default -> problems.add("data.baseType is not a known telemetry type: \"" + baseType + "\"");
    }
  }

  private static boolean isIntegral(@Nullable Object value) {
    return value instanceof Integer || value instanceof Long || value instanceof java.math.BigInteger;
  }

  private static void checkExceptions(@Nullable Object value, String at, List<String> problems) {
    if (!(value instanceof List) || ((List<?>) value).isEmpty()) {
      problems.add(at + ".exceptions is required: a non-empty array");
      return;
    }
    List<?> exceptions = (List<?>) value;
    for (int i = 0; i < exceptions.size(); i++) {
      String path = at + ".exceptions[" + i + "]";
      if (!(exceptions.get(i) instanceof Map)) {
        problems.add(path + " must be an object");
        continue;
      }
      Map<?, ?> exception = (Map<?, ?>) exceptions.get(i);
      requiredString(exception.get("typeName"), "typeName", path, 1024, problems);
      requiredString(exception.get("message"), "message", path, 32768, problems);
      Object stack = exception.get("stack");
      if (stack != null && stack != Marker.NULL && !(stack instanceof String)) {
        problems.add(path + ".stack must be a string");
      }
    }
  }

  private static void checkSeverity(@Nullable Object severity, String at, List<String> problems) {
    if (severity != null && severity != Marker.NULL && !SEVERITIES.contains(severity)) {
      problems.add(at + ".severityLevel must be one of " + SEVERITIES + ": " + severity);
    }
  }

  private static void checkMetrics(@Nullable Object value, String at, List<String> problems) {
    if (!(value instanceof List) || ((List<?>) value).isEmpty()) {
      problems.add(at + ".metrics is required: a non-empty array");
      return;
    }
    List<?> metrics = (List<?>) value;
    for (int i = 0; i < metrics.size(); i++) {
      String path = at + ".metrics[" + i + "]";
      Map<?, ?> metric = metrics.get(i) instanceof Map ? (Map<?, ?>) metrics.get(i) : Map.of();
      requiredString(metric.get("name"), "name", path, 1024, problems);
      if (!(metric.get("value") instanceof Number)) {
        problems.add(path + ".value is required: a number");
      }
    }
  }

  private static void requiredDuration(@Nullable Object duration, String at, List<String> problems) {
    if (!(duration instanceof String)) {
      problems.add(at + ".duration is required: [d.]hh:mm:ss.ffffff");
    } else if (!isDuration((String) duration)) {
      problems.add(at + ".duration must be [d.]hh:mm:ss[.fffffff] with fewer than 1000 days: \"" + duration + "\"");
    }
  }

  private static void requiredString(@Nullable Object value, String field, String at, int max,
      List<String> problems) {
    if (!(value instanceof String) || ((String) value).isEmpty()) {
      problems.add(at + "." + field + " is required: a non-empty string");
    } else if (((String) value).length() > max) {
      problems.add(at + "." + field + " is longer than " + max + " characters (" + ((String) value).length() + ")");
    }
  }

  private static void optionalString(@Nullable Object value, String field, String at, int max,
      List<String> problems) {
    if (value == null || value == Marker.NULL) {
      return;
    }
    if (!(value instanceof String)) {
      problems.add(at + "." + field + " must be a string");
    } else if (((String) value).length() > max) {
      problems.add(at + "." + field + " is longer than " + max + " characters (" + ((String) value).length() + ")");
    }
  }

  private static void optionalBoolean(@Nullable Object value, String field, String at, List<String> problems) {
    if (value != null && value != Marker.NULL && !(value instanceof Boolean)) {
      problems.add(at + "." + field + " must be a boolean");
    }
  }

  private static void requiredBoolean(@Nullable Object value, String field, String at, List<String> problems) {
    if (!(value instanceof Boolean)) {
      problems.add(at + "." + field + " is required: a boolean");
    }
  }

  private static void requiredId(@Nullable Object value, String field, String at, int max, List<String> problems) {
    if (!(value instanceof String) || ((String) value).isEmpty()) {
      problems.add(at + "." + field + " is required: a non-empty id");
      return;
    }
    checkId((String) value, field, at, max, problems);
  }

  private static void optionalId(@Nullable Object value, String field, String at, int max, List<String> problems) {
    if (value == null || value == Marker.NULL) {
      return;
    }
    if (!(value instanceof String)) {
      problems.add(at + "." + field + " must be a string");
      return;
    }
    checkId((String) value, field, at, max, problems);
  }

  private static void checkId(String id, String field, String at, int max, List<String> problems) {
    if (id.length() > max) {
      problems.add(at + "." + field + " is longer than " + max + " characters");
    } else if (!isId(id)) {
      problems.add(at + "." + field + " must be an id without spaces or control characters: \"" + id + "\"");
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
}
