package io.weft.exporter.azure;

import com.fasterxml.jackson.core.JsonGenerator;
import io.weft.core.Attributes;
import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import io.weft.core.export.SpanData;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Writes a span as Application Insights envelopes per Weft's rules 2–7 ({@code spec/appinsights-ingestion.md}):
 * SERVER and CONSUMER spans become Request items, CLIENT and PRODUCER spans RemoteDependency items, INTERNAL spans
 * RemoteDependency items of type {@code InProc}; a recorded exception on a SERVER or root span adds an Exception
 * item. Fields over the service's limits are truncated and counted by field.
 *
 * <p>Thread-safe (stateless apart from the counters); writes with jackson-core's streaming generator, no reflection.
 */
final class EnvelopeMapper {
  static final String REQUEST = "Microsoft.ApplicationInsights.Request";
  static final String DEPENDENCY = "Microsoft.ApplicationInsights.RemoteDependency";
  static final String EXCEPTION = "Microsoft.ApplicationInsights.Exception";

  private static final Map<String, Integer> DEFAULT_PORTS = Map.of("mongodb", 27017, "postgresql", 5432, "mysql",
      3306, "mariadb", 3306, "mssql", 1433, "oracle", 1521, "redis", 6379, "cassandra", 9042);
  private static final Set<String> SQL_SYSTEMS = Set.of("db2", "derby", "mssql", "oracle", "sqlite", "other_sql",
      "hsqldb", "h2");
  /** Attributes turned into envelope fields; everything else goes to properties. */
  private static final Set<String> MAPPED = Set.of("http.request.method", "http.method", "url.full", "http.url",
      "server.address", "server.port", "http.response.status_code", "http.status_code", "peer.service",
      "db.system", "db.namespace", "db.name", "db.query.text", "db.statement", "rpc.system", "messaging.system",
      "messaging.destination.name", "client.address", "user_agent.original");

  private final String instrumentationKey;
  private final String sdkVersion;
  private final ConcurrentHashMap<String, LongAdder> truncated = new ConcurrentHashMap<>();

  EnvelopeMapper(String instrumentationKey) {
    this.instrumentationKey = instrumentationKey;
    this.sdkVersion = "java" + Runtime.version().feature() + ":weft" + io.weft.core.WeftConfig.weftVersion();
  }

  /** Truncations and drops so far, by field ("name", "data", "property key", …). */
  Map<String, Long> truncations() {
    Map<String, Long> snapshot = new java.util.TreeMap<>();
    truncated.forEach((field, count) -> snapshot.put(field, count.sum()));
    return snapshot;
  }

  private static final com.fasterxml.jackson.core.JsonFactory JSON = com.fasterxml.jackson.core.JsonFactory.builder()
      .build();

  /** The envelopes of {@code span} as separate UTF-8 JSON documents (1, or 2 with an Exception item). */
  byte[][] envelopes(SpanData span) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(768);
    try (JsonGenerator out = JSON.createGenerator(bytes, com.fasterxml.jackson.core.JsonEncoding.UTF8)) {
      write(span, out, '\n');
    }
    byte[] all = bytes.toByteArray();
    if (!hasExceptionItem(span)) {
      return new byte[][] {all};
    }
    int split = indexOf(all, (byte) '\n');
    return new byte[][] {java.util.Arrays.copyOfRange(all, 0, split), java.util.Arrays.copyOfRange(all, split + 1,
        all.length)};
  }

  private static int indexOf(byte[] bytes, byte b) {
    // JSON text never holds a raw newline inside strings (it is escaped), so the first one is the separator.
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return bytes.length;
  }

  /** How many envelopes {@link #write} produces for {@code span}: 1, or 2 with an Exception item. */
  static int envelopeCount(SpanData span) {
    return hasExceptionItem(span) ? 2 : 1;
  }

  /** Whether {@code span} also produces an Exception item (a recorded exception on a request or root span). */
  static boolean hasExceptionItem(SpanData span) {
    return span.exception() != null
        && (span.kind() == SpanKind.SERVER || span.kind() == SpanKind.CONSUMER || span.parentSpanId() == null);
  }

  /** Writes the envelope(s) of {@code span}, separated by {@code separator} when there are two. */
  void write(SpanData span, JsonGenerator out, char separator) throws IOException {
    writeItem(span, out);
    if (hasExceptionItem(span)) {
      out.writeRaw(separator);
      writeExceptionItem(span, out);
    }
  }

  /** Writes the Request or RemoteDependency envelope of {@code span}. */
  void writeItem(SpanData span, JsonGenerator out) throws IOException {
    boolean request = span.kind() == SpanKind.SERVER || span.kind() == SpanKind.CONSUMER;
    Attributes attributes = span.attributes();
    out.writeStartObject();
    out.writeStringField("name", request ? REQUEST : DEPENDENCY);
    char[] chars = new char[27];
    out.writeFieldName("time");
    out.writeString(chars, 0, formatTime(span.startEpochNanos(), chars));
    out.writeStringField("iKey", instrumentationKey);
    out.writeNumberField("sampleRate", span.samplingPercentage());
    writeTags(span, span.parentSpanId(), request, attributes, out);
    out.writeObjectFieldStart("data");
    out.writeStringField("baseType", request ? "RequestData" : "RemoteDependencyData");
    out.writeObjectFieldStart("baseData");
    out.writeNumberField("ver", 2);
    out.writeStringField("id", span.spanId());
    if (request) {
      writeRequest(span, attributes, out);
    } else {
      writeDependency(span, attributes, out);
    }
    writeProperties(attributes, span.cancelled(), out);
    out.writeEndObject();
    out.writeEndObject();
    out.writeEndObject();
  }

  private void writeTags(SpanData span, @Nullable String parentId, boolean request, Attributes attributes,
      JsonGenerator out) throws IOException {
    out.writeObjectFieldStart("tags");
    out.writeStringField("ai.operation.id", span.traceId());
    if (parentId != null) {
      out.writeStringField("ai.operation.parentId", parentId);
    }
    String operationName = request ? span.name()
        : span.localRootKind() == SpanKind.SERVER ? span.localRootName() : null;
    if (operationName != null) {
      out.writeStringField("ai.operation.name", limit(operationName, 1024, "ai.operation.name"));
    }
    out.writeStringField("ai.cloud.role", limit(span.resource().serviceName(), 256, "ai.cloud.role"));
    out.writeStringField("ai.cloud.roleInstance", limit(span.resource().serviceInstance(), 256,
        "ai.cloud.roleInstance"));
    out.writeStringField("ai.internal.sdkVersion", limit(sdkVersion, 64, "ai.internal.sdkVersion"));
    if (request) {
      String client = string(attributes, "client.address");
      if (client != null) {
        out.writeStringField("ai.location.ip", limit(client, 45, "ai.location.ip"));
      }
      String agent = string(attributes, "user_agent.original");
      if (agent != null) {
        out.writeStringField("ai.user.userAgent", limit(agent, 1024, "ai.user.userAgent"));
      }
    }
    out.writeEndObject();
  }

  private void writeRequest(SpanData span, Attributes attributes, JsonGenerator out) throws IOException {
    out.writeStringField("name", limit(span.name(), 1024, "name"));
    writeDuration(span, out);
    Long status = number(attributes, "http.response.status_code", "http.status_code");
    out.writeStringField("responseCode", status != null ? Long.toString(status) : "0");
    boolean success = span.status() != StatusCode.ERROR && (status == null || status < 500);
    out.writeBooleanField("success", success);
    String url = string(attributes, "url.full", "http.url");
    if (url != null) {
      out.writeStringField("url", limit(url, 2048, "url"));
    }
  }

  private void writeDependency(SpanData span, Attributes attributes, JsonGenerator out) throws IOException {
    String method = string(attributes, "http.request.method", "http.method");
    String dbSystem = string(attributes, "db.system");
    String rpcSystem = string(attributes, "rpc.system");
    String messaging = string(attributes, "messaging.system");
    String type;
    String target = null;
    String data = null;
    String name = span.name();
    Long httpStatus = null;
    String resultCode = "0";
    if (span.kind() == SpanKind.INTERNAL) {
      type = "InProc";
    } else if (method != null) {
      type = "Http";
      String url = string(attributes, "url.full", "http.url");
      target = firstNonNull(string(attributes, "peer.service"), hostPort(attributes, url, null));
      data = url;
      if (name.equals(method) && url != null) {
        name = method + " " + path(url);
      }
      httpStatus = number(attributes, "http.response.status_code", "http.status_code");
      if (httpStatus != null) {
        resultCode = Long.toString(httpStatus);
      }
    } else if (dbSystem != null) {
      type = dbSystem.equals("mysql") || dbSystem.equals("mariadb") ? "mysql"
          : dbSystem.equals("postgresql") ? "postgresql"
          : SQL_SYSTEMS.contains(dbSystem) ? "SQL" : dbSystem;
      String host = hostPort(attributes, null, dbSystem);
      String database = string(attributes, "db.namespace", "db.name");
      target = host != null && database != null ? host + " | " + database
          : host != null ? host : database != null ? database : dbSystem;
      data = firstNonNull(string(attributes, "db.query.text", "db.statement"), string(attributes, "db.operation.name"));
      String errorCode = string(attributes, "db.response.status_code");
      if (errorCode != null) {
        resultCode = errorCode;
      }
    } else if (rpcSystem != null) {
      type = rpcSystem;
      target = hostPort(attributes, null, null);
    } else if (messaging != null) {
      type = span.kind() == SpanKind.PRODUCER ? "Queue Message | " + messaging : messaging;
      String destination = string(attributes, "messaging.destination.name");
      String host = hostPort(attributes, null, null);
      target = host != null && destination != null ? host + "/" + destination
          : host != null ? host : destination;
    } else {
      target = hostPort(attributes, null, null);
      type = target == null ? "InProc" : null;
    }
    out.writeStringField("name", limit(name, 1024, "name"));
    writeDuration(span, out);
    out.writeStringField("resultCode", limit(resultCode, 1024, "resultCode"));
    boolean success = span.status() == StatusCode.OK
        || (span.status() == StatusCode.UNSET && (httpStatus == null || httpStatus < 400));
    out.writeBooleanField("success", success);
    if (type != null) {
      out.writeStringField("type", limit(type, 1024, "type"));
    }
    if (target != null) {
      out.writeStringField("target", limit(target, 1024, "target"));
    }
    if (data != null) {
      out.writeStringField("data", limit(data, 8192, "data"));
    }
  }

  private static void writeDuration(SpanData span, JsonGenerator out) throws IOException {
    char[] chars = new char[19];
    out.writeFieldName("duration");
    out.writeString(chars, 0, formatDuration(span.durationNanos(), chars));
  }

  private void writeProperties(Attributes attributes, boolean cancelled, JsonGenerator out) throws IOException {
    boolean open = false;
    for (int i = 0; i < attributes.size(); i++) {
      String key = attributes.key(i);
      if (MAPPED.contains(key) || (cancelled && key.equals("weft.cancelled"))) {
        continue;
      }
      if (key.length() > 150) {
        count("property key");
        continue;
      }
      if (!open) {
        out.writeObjectFieldStart("properties");
        open = true;
      }
      out.writeStringField(key, limit(String.valueOf(attributes.value(i)), 8192, "property value"));
    }
    if (cancelled) {
      if (!open) {
        out.writeObjectFieldStart("properties");
        open = true;
      }
      out.writeStringField("weft.cancelled", "true");
    }
    if (open) {
      out.writeEndObject();
    }
  }

  /** Writes the Exception item of {@code span}; call only when {@link #hasExceptionItem}. */
  void writeExceptionItem(SpanData span, JsonGenerator out) throws IOException {
    Throwable error = span.exception();
    if (error == null) {
      return;
    }
    out.writeStartObject();
    out.writeStringField("name", EXCEPTION);
    out.writeStringField("time", formatTime(span.startEpochNanos() + span.durationNanos()));
    out.writeStringField("iKey", instrumentationKey);
    out.writeNumberField("sampleRate", span.samplingPercentage());
    writeTags(span, span.spanId(), false, Attributes.EMPTY, out);
    out.writeObjectFieldStart("data");
    out.writeStringField("baseType", "ExceptionData");
    out.writeObjectFieldStart("baseData");
    out.writeNumberField("ver", 2);
    out.writeArrayFieldStart("exceptions");
    out.writeStartObject();
    String typeName = error.getClass().getName();
    String message = error.getMessage();
    out.writeStringField("typeName", limit(typeName, 1024, "exception type"));
    out.writeStringField("message", limit(message == null || message.isBlank() ? typeName : message, 32768,
        "exception message"));
    out.writeBooleanField("hasFullStack", true);
    out.writeStringField("stack", limit(stackTrace(error), 32768, "exception stack"));
    out.writeEndObject();
    out.writeEndArray();
    out.writeEndObject();
    out.writeEndObject();
    out.writeEndObject();
  }

  private String limit(String value, int max, String field) {
    if (value.length() <= max) {
      return value;
    }
    count(field);
    return value.substring(0, max);
  }

  void count(String field) {
    truncated.computeIfAbsent(field, k -> new LongAdder()).increment();
  }

  private static String stackTrace(Throwable error) {
    StringWriter text = new StringWriter(1024);
    try (PrintWriter writer = new PrintWriter(text)) {
      error.printStackTrace(writer);
    }
    return text.toString();
  }

  private static @Nullable String string(Attributes attributes, String key) {
    Object value = attributes.get(key);
    return value == null ? null : value.toString();
  }

  private static @Nullable String string(Attributes attributes, String key, String legacyKey) {
    String value = string(attributes, key);
    return value != null ? value : string(attributes, legacyKey);
  }

  private static @Nullable Long number(Attributes attributes, String key, String legacyKey) {
    Object value = attributes.get(key);
    if (value == null) {
      value = attributes.get(legacyKey);
    }
    if (value instanceof Number) {
      return ((Number) value).longValue();
    }
    if (value instanceof String) {
      try {
        return Long.parseLong((String) value);
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  private static @Nullable String firstNonNull(@Nullable String a, @Nullable String b) {
    return a != null ? a : b;
  }

  /** {@code host[:port]} from server.address/server.port (or the URL), default ports omitted. */
  private static @Nullable String hostPort(Attributes attributes, @Nullable String url, @Nullable String dbSystem) {
    String host = string(attributes, "server.address");
    Long port = number(attributes, "server.port", "server.port");
    String scheme = null;
    if (host == null && url != null) {
      try {
        java.net.URI uri = java.net.URI.create(url);
        host = uri.getHost();
        port = uri.getPort() >= 0 ? (long) uri.getPort() : null;
        scheme = uri.getScheme();
      } catch (IllegalArgumentException e) {
        return null;
      }
    } else if (url != null) {
      scheme = url.startsWith("https:") ? "https" : url.startsWith("http:") ? "http" : null;
    }
    if (host == null) {
      return null;
    }
    if (port == null || port <= 0) {
      return host;
    }
    boolean defaultPort = port == 80 && !"https".equals(scheme) || port == 443 && !"http".equals(scheme)
        || (dbSystem != null && DEFAULT_PORTS.getOrDefault(dbSystem, -1) == port.intValue());
    return defaultPort ? host : host + ":" + port;
  }

  private static String path(String url) {
    try {
      String path = java.net.URI.create(url).getRawPath();
      return path == null || path.isEmpty() ? "/" : path;
    } catch (IllegalArgumentException e) {
      return "/";
    }
  }

  /** {@code yyyy-MM-ddTHH:mm:ss.ffffffZ} in UTC, microsecond precision. */
  static String formatTime(long epochNanos) {
    char[] out = new char[27];
    return new String(out, 0, formatTime(epochNanos, out));
  }

  /**
   * Writes {@code yyyy-MM-ddTHH:mm:ss.ffffffZ} into {@code out} (27 chars) without temporary objects; returns the
   * length. Civil date from days since the epoch after Howard Hinnant's algorithm (proleptic Gregorian).
   */
  static int formatTime(long epochNanos, char[] out) {
    long seconds = Math.floorDiv(epochNanos, 1_000_000_000L);
    int micros = (int) (Math.floorMod(epochNanos, 1_000_000_000L) / 1000);
    long days = Math.floorDiv(seconds, 86_400L);
    int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
    long z = days + 719_468;
    long era = Math.floorDiv(z, 146_097);
    long dayOfEra = z - era * 146_097;
    long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
    long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    long mp = (5 * dayOfYear + 2) / 153;
    int day = (int) (dayOfYear - (153 * mp + 2) / 5 + 1);
    int month = (int) (mp < 10 ? mp + 3 : mp - 9);
    long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
    digits(out, 0, year, 4);
    out[4] = '-';
    digits(out, 5, month, 2);
    out[7] = '-';
    digits(out, 8, day, 2);
    out[10] = 'T';
    digits(out, 11, secondOfDay / 3600, 2);
    out[13] = ':';
    digits(out, 14, secondOfDay / 60 % 60, 2);
    out[16] = ':';
    digits(out, 17, secondOfDay % 60, 2);
    out[19] = '.';
    digits(out, 20, micros, 6);
    out[26] = 'Z';
    return 27;
  }

  /** {@code [D.]HH:MM:SS.ffffff}: microseconds, negatives clamped to 0, under 1,000 days. */
  static String formatDuration(long nanos) {
    char[] out = new char[19];
    return new String(out, 0, formatDuration(nanos, out));
  }

  /** Writes the duration into {@code out} (at most 19 chars) without temporary objects; returns the length. */
  static int formatDuration(long nanos, char[] out) {
    long micros = Math.max(0, nanos) / 1000;
    long maxMicros = 1000L * 86_400_000_000L - 1;
    micros = Math.min(micros, maxMicros);
    long days = micros / 86_400_000_000L;
    long rest = micros % 86_400_000_000L;
    int at = 0;
    if (days > 0) {
      int width = days >= 100 ? 3 : days >= 10 ? 2 : 1;
      digits(out, 0, days, width);
      at = width;
      out[at++] = '.';
    }
    digits(out, at, rest / 3_600_000_000L, 2);
    out[at + 2] = ':';
    digits(out, at + 3, rest / 60_000_000L % 60, 2);
    out[at + 5] = ':';
    digits(out, at + 6, rest / 1_000_000L % 60, 2);
    out[at + 8] = '.';
    digits(out, at + 9, rest % 1_000_000L, 6);
    return at + 15;
  }

  /** Writes {@code value} as exactly {@code width} decimal digits (zero-padded) at {@code at}. */
  private static void digits(char[] out, int at, long value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (char) ('0' + (int) (value % 10));
      value /= 10;
    }
  }

}
