package io.weft.exporter.azure;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import io.weft.core.Attributes;
import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import io.weft.core.instrumentation.SemanticAttributes;
import io.weft.core.internal.Hex;
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
 * Writes a span as Application Insights envelopes: SERVER and CONSUMER spans become Request items, CLIENT and
 * PRODUCER spans RemoteDependency items, INTERNAL spans RemoteDependency items of type {@code InProc}; a recorded
 * exception on a SERVER or root span adds an Exception item. Fields over the service's limits are truncated and counted by field.
 *
 * <p>Thread-safe (stateless apart from the counters); writes with jackson-core's streaming generator, no reflection.
 */
final class EnvelopeMapper implements SpanEncoder {
  static final String REQUEST = "Microsoft.ApplicationInsights.Request";
  static final String DEPENDENCY = "Microsoft.ApplicationInsights.RemoteDependency";
  static final String EXCEPTION = "Microsoft.ApplicationInsights.Exception";

  /** The name sent for a span whose name is empty or blank (an HTTP dependency gets {@code METHOD /path}). */
  static final String UNNAMED = "(unnamed)";
  // The service's limit on an exception's message and stack, each, in characters.
  private static final int MAX_EXCEPTION_TEXT_CHARS = 32_768;
  // What an Exception item's message and stack may take together, as encoded JSON text: the rest of the item
  // (tags, names, ids; at most ~16 KB even when every field is at its limit and fully escaped) fits in the other
  // 20 KB of the service's 64 KB item limit.
  static final int EXCEPTION_TEXT_BYTES = 44 * 1024;

  private static final Map<String, Integer> DEFAULT_PORTS = Map.of("mongodb", 27017, "postgresql", 5432, "mysql",
      3306, "mariadb", 3306, "mssql", 1433, "oracle", 1521, "redis", 6379, "cassandra", 9042);
  private static final Set<String> SQL_SYSTEMS = Set.of("db2", "derby", "mssql", "oracle", "sqlite", "other_sql",
      "hsqldb", "h2");

  // Field names, quoted and UTF-8-encoded once: the generator copies their bytes instead of escaping each char.
  private static final SerializedString F_AI_CLOUD_ROLE = new SerializedString("ai.cloud.role");
  private static final SerializedString F_AI_CLOUD_ROLE_INSTANCE = new SerializedString("ai.cloud.roleInstance");
  private static final SerializedString F_AI_INTERNAL_SDK_VERSION = new SerializedString("ai.internal.sdkVersion");
  private static final SerializedString F_AI_LOCATION_IP = new SerializedString("ai.location.ip");
  private static final SerializedString F_AI_OPERATION_ID = new SerializedString("ai.operation.id");
  private static final SerializedString F_AI_OPERATION_NAME = new SerializedString("ai.operation.name");
  private static final SerializedString F_AI_OPERATION_PARENT_ID = new SerializedString("ai.operation.parentId");
  private static final SerializedString F_AI_USER_USER_AGENT = new SerializedString("ai.user.userAgent");
  private static final SerializedString F_BASE_DATA = new SerializedString("baseData");
  private static final SerializedString F_BASE_TYPE = new SerializedString("baseType");
  private static final SerializedString F_DATA = new SerializedString("data");
  private static final SerializedString F_DURATION = new SerializedString("duration");
  private static final SerializedString F_EXCEPTIONS = new SerializedString("exceptions");
  private static final SerializedString F_HAS_FULL_STACK = new SerializedString("hasFullStack");
  private static final SerializedString F_I_KEY = new SerializedString("iKey");
  private static final SerializedString F_ID = new SerializedString("id");
  private static final SerializedString F_MESSAGE = new SerializedString("message");
  private static final SerializedString F_NAME = new SerializedString("name");
  private static final SerializedString F_PROPERTIES = new SerializedString("properties");
  private static final SerializedString F_RESPONSE_CODE = new SerializedString("responseCode");
  private static final SerializedString F_RESULT_CODE = new SerializedString("resultCode");
  private static final SerializedString F_SAMPLE_RATE = new SerializedString("sampleRate");
  private static final SerializedString F_STACK = new SerializedString("stack");
  private static final SerializedString F_SUCCESS = new SerializedString("success");
  private static final SerializedString F_TAGS = new SerializedString("tags");
  private static final SerializedString F_TARGET = new SerializedString("target");
  private static final SerializedString F_TIME = new SerializedString("time");
  private static final SerializedString F_TYPE = new SerializedString("type");
  private static final SerializedString F_TYPE_NAME = new SerializedString("typeName");
  private static final SerializedString F_URL = new SerializedString("url");
  private static final SerializedString F_VER = new SerializedString("ver");
  private static final SerializedString F_WEFT_CANCELLED = new SerializedString(SemanticAttributes.WEFT_CANCELLED);

  private static final SerializedString REQUEST_NAME = new SerializedString(REQUEST);
  private static final SerializedString DEPENDENCY_NAME = new SerializedString(DEPENDENCY);
  private static final SerializedString REQUEST_DATA = new SerializedString("RequestData");
  private static final SerializedString DEPENDENCY_DATA = new SerializedString("RemoteDependencyData");

  // The attributes the mapping reads, by slot: one pass over a span's attributes finds them all (a lookup by key
  // is a linear scan, and the mapping asks for up to fifteen keys).
  private static final int A_URL_FULL = 0;
  private static final int A_HTTP_URL = 1;
  private static final int A_HTTP_REQUEST_METHOD = 2;
  private static final int A_HTTP_METHOD = 3;
  private static final int A_DB_NAMESPACE = 4;
  private static final int A_DB_NAME = 5;
  private static final int A_DB_QUERY_TEXT = 6;
  private static final int A_DB_STATEMENT = 7;
  private static final int A_CLIENT_ADDRESS = 8;
  private static final int A_USER_AGENT_ORIGINAL = 9;
  private static final int A_DB_SYSTEM = 10;
  private static final int A_RPC_SYSTEM = 11;
  private static final int A_MESSAGING_SYSTEM = 12;
  private static final int A_PEER_SERVICE = 13;
  private static final int A_DB_OPERATION_NAME = 14;
  private static final int A_DB_RESPONSE_STATUS_CODE = 15;
  private static final int A_MESSAGING_DESTINATION_NAME = 16;
  private static final int A_SERVER_ADDRESS = 17;
  private static final int A_HTTP_RESPONSE_STATUS_CODE = 18;
  private static final int A_HTTP_STATUS_CODE = 19;
  private static final int A_SERVER_PORT = 20;
  private static final int SLOTS = 21;
  private static final Object[] NONE = new Object[SLOTS];

  private static int slot(String key) {
    return switch (key) {
      case SemanticAttributes.URL_FULL -> A_URL_FULL;
      case SemanticAttributes.HTTP_URL -> A_HTTP_URL;
      case SemanticAttributes.HTTP_REQUEST_METHOD -> A_HTTP_REQUEST_METHOD;
      case SemanticAttributes.HTTP_METHOD -> A_HTTP_METHOD;
      case SemanticAttributes.DB_NAMESPACE -> A_DB_NAMESPACE;
      case SemanticAttributes.DB_NAME -> A_DB_NAME;
      case SemanticAttributes.DB_QUERY_TEXT -> A_DB_QUERY_TEXT;
      case SemanticAttributes.DB_STATEMENT -> A_DB_STATEMENT;
      case SemanticAttributes.CLIENT_ADDRESS -> A_CLIENT_ADDRESS;
      case SemanticAttributes.USER_AGENT_ORIGINAL -> A_USER_AGENT_ORIGINAL;
      case SemanticAttributes.DB_SYSTEM -> A_DB_SYSTEM;
      case SemanticAttributes.RPC_SYSTEM -> A_RPC_SYSTEM;
      case SemanticAttributes.MESSAGING_SYSTEM -> A_MESSAGING_SYSTEM;
      case SemanticAttributes.PEER_SERVICE -> A_PEER_SERVICE;
      case SemanticAttributes.DB_OPERATION_NAME -> A_DB_OPERATION_NAME;
      case SemanticAttributes.DB_RESPONSE_STATUS_CODE -> A_DB_RESPONSE_STATUS_CODE;
      case SemanticAttributes.MESSAGING_DESTINATION_NAME -> A_MESSAGING_DESTINATION_NAME;
      case SemanticAttributes.SERVER_ADDRESS -> A_SERVER_ADDRESS;
      case SemanticAttributes.HTTP_RESPONSE_STATUS_CODE -> A_HTTP_RESPONSE_STATUS_CODE;
      case SemanticAttributes.HTTP_STATUS_CODE -> A_HTTP_STATUS_CODE;
      case SemanticAttributes.SERVER_PORT -> A_SERVER_PORT;
      default -> -1;
    };
  }

  /**
   * Whether {@code key} becomes an envelope field rather than a property. The operation name and the database's
   * status code are read by the mapping but stay in properties as well.
   */
  private static boolean mapped(String key) {
    int slot = slot(key);
    return slot >= 0 && slot != A_DB_OPERATION_NAME && slot != A_DB_RESPONSE_STATUS_CODE;
  }

  private static Object[] find(Attributes attributes) {
    Object[] found = new Object[SLOTS];
    for (int i = 0; i < attributes.size(); i++) {
      int slot = slot(attributes.key(i));
      if (slot >= 0 && found[slot] == null) { // the first wins, as in Attributes.get
        found[slot] = attributes.value(i);
      }
    }
    return found;
  }

  // Per-thread chars for ids, time and duration: the generator copies them at once, so one array serves all.
  private static final ThreadLocal<char[]> SCRATCH = ThreadLocal.withInitial(() -> new char[64]);

  private final SerializedString instrumentationKeyValue;
  private final String sdkVersion;
  private final SerializedString sdkVersionValue;
  private volatile @Nullable Role lastRole;
  private final ConcurrentHashMap<String, LongAdder> truncated = new ConcurrentHashMap<>();

  EnvelopeMapper(String instrumentationKey) {
    this.instrumentationKeyValue = new SerializedString(instrumentationKey);
    this.sdkVersion = "java" + Runtime.version().feature() + ":weft" + io.weft.core.WeftConfig.weftVersion();
    this.sdkVersionValue = new SerializedString(limit(sdkVersion, 64, "ai.internal.sdkVersion"));
  }

  /**
   * The cloud role tags of {@code resource}, truncated and encoded once: a tracer's spans share one resource, so
   * the last one seen is kept (an immutable holder published through a volatile field; a miss just re-encodes).
   */
  private Role role(io.weft.core.Resource resource) {
    Role role = lastRole;
    if (role == null || role.resource != resource) {
      role = new Role(resource, new SerializedString(cut(resource.serviceName(), 256)),
          new SerializedString(cut(resource.serviceInstance(), 256)), resource.serviceName().length() > 256,
          resource.serviceInstance().length() > 256);
      lastRole = role;
    }
    // Truncations are counted per envelope, as for every other field.
    if (role.nameTruncated) {
      count("ai.cloud.role");
    }
    if (role.instanceTruncated) {
      count("ai.cloud.roleInstance");
    }
    return role;
  }

  private static String cut(String value, int max) {
    return value.length() <= max ? value : value.substring(0, max);
  }

  private record Role(io.weft.core.Resource resource, SerializedString name, SerializedString instance,
      boolean nameTruncated, boolean instanceTruncated) {}

  /** Truncations and drops so far, by field ("name", "data", "property key", …). */
  Map<String, Long> truncations() {
    Map<String, Long> snapshot = new java.util.TreeMap<>();
    truncated.forEach((field, count) -> snapshot.put(field, count.sum()));
    return snapshot;
  }

  @Override
  public int envelopes(SpanData span) {
    return envelopeCount(span);
  }

  @Override
  public void write(SpanData span, int index, JsonGenerator out) throws IOException {
    if (index == 0) {
      writeItem(span, out);
    } else {
      writeExceptionItem(span, out);
    }
  }

  /** How many envelopes {@code span} makes: 1, or 2 with an Exception item. */
  static int envelopeCount(SpanData span) {
    return hasExceptionItem(span) ? 2 : 1;
  }

  /** Whether {@code span} also produces an Exception item (a recorded exception on a request or root span). */
  static boolean hasExceptionItem(SpanData span) {
    return span.exception() != null
        && (span.kind() == SpanKind.SERVER || span.kind() == SpanKind.CONSUMER || span.parentSpanId() == null);
  }

  /** Writes the Request or RemoteDependency envelope of {@code span}. */
  void writeItem(SpanData span, JsonGenerator out) throws IOException {
    boolean request = span.kind() == SpanKind.SERVER || span.kind() == SpanKind.CONSUMER;
    Attributes attributes = span.attributes();
    Object[] found = find(attributes);
    out.writeStartObject();
    writeString(out, F_NAME, request ? REQUEST_NAME : DEPENDENCY_NAME);
    char[] chars = SCRATCH.get();
    out.writeFieldName(F_TIME);
    out.writeString(chars, 0, formatTime(span.startEpochNanos(), chars));
    writeString(out, F_I_KEY, instrumentationKeyValue);
    writeSampleRate(out, span.samplingPercentage());
    writeTags(span, span.parentSpanIdLong(), request, found, out);
    writeObject(out, F_DATA);
    writeString(out, F_BASE_TYPE, request ? REQUEST_DATA : DEPENDENCY_DATA);
    writeObject(out, F_BASE_DATA);
    writeNumber(out, F_VER, 2);
    writeId(out, F_ID, span.spanContext().spanIdLong());
    if (request) {
      writeRequest(span, found, out);
    } else {
      writeDependency(span, found, out);
    }
    writeProperties(attributes, span.cancelled(), out);
    out.writeEndObject();
    out.writeEndObject();
    out.writeEndObject();
  }

  private void writeTags(SpanData span, long parentId, boolean request, Object[] attributes,
      JsonGenerator out) throws IOException {
    writeObject(out, F_TAGS);
    char[] chars = SCRATCH.get();
    io.weft.core.SpanContext context = span.spanContext();
    Hex.write(context.traceIdHigh(), chars, 0);
    Hex.write(context.traceIdLow(), chars, 16);
    out.writeFieldName(F_AI_OPERATION_ID);
    out.writeString(chars, 0, 32);
    if (parentId != 0) {
      writeId(out, F_AI_OPERATION_PARENT_ID, parentId);
    }
    String rootName = span.localRootName();
    String operationName = request ? orUnnamed(span.name())
        : span.localRootKind() == SpanKind.SERVER && rootName != null ? orUnnamed(rootName) : null;
    if (operationName != null) {
      writeString(out, F_AI_OPERATION_NAME, limit(operationName, 1024, "ai.operation.name"));
    }
    Role role = role(span.resource());
    writeString(out, F_AI_CLOUD_ROLE, role.name);
    writeString(out, F_AI_CLOUD_ROLE_INSTANCE, role.instance);
    writeString(out, F_AI_INTERNAL_SDK_VERSION, sdkVersionValue);
    if (request) {
      String client = string(attributes, A_CLIENT_ADDRESS);
      if (client != null) {
        writeString(out, F_AI_LOCATION_IP, limit(client, 45, "ai.location.ip"));
      }
      String agent = string(attributes, A_USER_AGENT_ORIGINAL);
      if (agent != null) {
        writeString(out, F_AI_USER_USER_AGENT, limit(agent, 1024, "ai.user.userAgent"));
      }
    }
    out.writeEndObject();
  }

  private void writeRequest(SpanData span, Object[] attributes, JsonGenerator out) throws IOException {
    String name = span.name();
    if (name.isBlank()) {
      count("empty name");
    }
    writeString(out, F_NAME, limit(orUnnamed(name), 1024, "name"));
    writeDuration(span, out);
    Long status = number(attributes, A_HTTP_RESPONSE_STATUS_CODE, A_HTTP_STATUS_CODE);
    writeString(out, F_RESPONSE_CODE, status != null ? Long.toString(status) : "0");
    boolean success = span.status() != StatusCode.ERROR && (status == null || status < 500);
    writeBoolean(out, F_SUCCESS, success);
    String url = string(attributes, A_URL_FULL, A_HTTP_URL);
    if (url != null) {
      writeString(out, F_URL, limit(url, 2048, "url"));
    }
  }

  private void writeDependency(SpanData span, Object[] attributes, JsonGenerator out) throws IOException {
    String method = string(attributes, A_HTTP_REQUEST_METHOD, A_HTTP_METHOD);
    String dbSystem = string(attributes, A_DB_SYSTEM);
    String rpcSystem = string(attributes, A_RPC_SYSTEM);
    String messaging = string(attributes, A_MESSAGING_SYSTEM);
    String type;
    String target = null;
    String data = null;
    String name = span.name();
    boolean unnamed = name.isBlank();
    if (unnamed) {
      count("empty name");
    }
    Long httpStatus = null;
    String resultCode = "0";
    if (span.kind() == SpanKind.INTERNAL) {
      type = "InProc";
    } else if (method != null) {
      type = "Http";
      String url = string(attributes, A_URL_FULL, A_HTTP_URL);
      target = firstNonNull(string(attributes, A_PEER_SERVICE), hostPort(attributes, url, null));
      data = url;
      if ((unnamed || name.equals(method)) && url != null) {
        name = method + " " + path(url);
        unnamed = false;
      }
      httpStatus = number(attributes, A_HTTP_RESPONSE_STATUS_CODE, A_HTTP_STATUS_CODE);
      if (httpStatus != null) {
        resultCode = Long.toString(httpStatus);
      }
    } else if (dbSystem != null) {
      type = dbSystem.equals("mysql") || dbSystem.equals("mariadb") ? "mysql"
          : dbSystem.equals("postgresql") ? "postgresql"
          : SQL_SYSTEMS.contains(dbSystem) ? "SQL" : dbSystem;
      String host = hostPort(attributes, null, dbSystem);
      String database = string(attributes, A_DB_NAMESPACE, A_DB_NAME);
      target = host != null && database != null ? host + " | " + database
          : host != null ? host : database != null ? database : dbSystem;
      data = firstNonNull(string(attributes, A_DB_QUERY_TEXT, A_DB_STATEMENT), string(attributes, A_DB_OPERATION_NAME));
      String errorCode = string(attributes, A_DB_RESPONSE_STATUS_CODE);
      if (errorCode != null) {
        resultCode = errorCode;
      }
    } else if (rpcSystem != null) {
      type = rpcSystem;
      target = hostPort(attributes, null, null);
    } else if (messaging != null) {
      type = span.kind() == SpanKind.PRODUCER ? "Queue Message | " + messaging : messaging;
      String destination = string(attributes, A_MESSAGING_DESTINATION_NAME);
      String host = hostPort(attributes, null, null);
      target = host != null && destination != null ? host + "/" + destination
          : host != null ? host : destination;
    } else {
      target = hostPort(attributes, null, null);
      type = target == null ? "InProc" : null;
    }
    writeString(out, F_NAME, limit(unnamed ? UNNAMED : name, 1024, "name"));
    writeDuration(span, out);
    writeString(out, F_RESULT_CODE, limit(resultCode, 1024, "resultCode"));
    boolean success = span.status() == StatusCode.OK
        || (span.status() == StatusCode.UNSET && (httpStatus == null || httpStatus < 400));
    writeBoolean(out, F_SUCCESS, success);
    if (type != null) {
      writeString(out, F_TYPE, limit(type, 1024, "type"));
    }
    if (target != null) {
      writeString(out, F_TARGET, limit(target, 1024, "target"));
    }
    if (data != null) {
      writeString(out, F_DATA, limit(data, 8192, "data"));
    }
  }

  private static void writeDuration(SpanData span, JsonGenerator out) throws IOException {
    char[] chars = SCRATCH.get();
    out.writeFieldName(F_DURATION);
    out.writeString(chars, 0, formatDuration(span.durationNanos(), chars));
  }

  private void writeProperties(Attributes attributes, boolean cancelled, JsonGenerator out) throws IOException {
    boolean open = false;
    for (int i = 0; i < attributes.size(); i++) {
      String key = attributes.key(i);
      if (mapped(key) || (cancelled && key.equals(SemanticAttributes.WEFT_CANCELLED))) {
        continue;
      }
      if (key.length() > 150) {
        count("property key");
        continue;
      }
      if (key.isBlank()) { // the service rejects the whole item for an empty property name
        count("empty property key");
        continue;
      }
      if (!open) {
        writeObject(out, F_PROPERTIES);
        open = true;
      }
      out.writeStringField(key, limit(String.valueOf(attributes.value(i)), 8192, "property value"));
    }
    if (cancelled) {
      if (!open) {
        writeObject(out, F_PROPERTIES);
        open = true;
      }
      writeString(out, F_WEFT_CANCELLED, "true");
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
    writeString(out, F_NAME, EXCEPTION);
    writeString(out, F_TIME, formatTime(span.startEpochNanos() + span.durationNanos()));
    writeString(out, F_I_KEY, instrumentationKeyValue);
    writeSampleRate(out, span.samplingPercentage());
    writeTags(span, span.spanContext().spanIdLong(), false, NONE, out);
    writeObject(out, F_DATA);
    writeString(out, F_BASE_TYPE, "ExceptionData");
    writeObject(out, F_BASE_DATA);
    writeNumber(out, F_VER, 2);
    writeArray(out, F_EXCEPTIONS);
    out.writeStartObject();
    String typeName = error.getClass().getName();
    String message = error.getMessage();
    if (message == null || message.isBlank()) {
      message = typeName;
    }
    String stack = stackTrace(error);
    // Message and stack share one budget in encoded bytes, so the item stays under the service's 64 KB whatever
    // they hold (a 1 MB message, control characters escaped six bytes each, non-ASCII text).
    int messageBytes = JsonText.encodedBytes(message, MAX_EXCEPTION_TEXT_CHARS);
    int stackBytes = JsonText.encodedBytes(stack, MAX_EXCEPTION_TEXT_CHARS);
    int messageBudget = messageBytes;
    int stackBudget = stackBytes;
    if (messageBytes + stackBytes > EXCEPTION_TEXT_BYTES) {
      messageBudget = Math.min(messageBytes, Math.max(EXCEPTION_TEXT_BYTES - stackBytes, EXCEPTION_TEXT_BYTES / 4));
      stackBudget = EXCEPTION_TEXT_BYTES - messageBudget;
    }
    writeString(out, F_TYPE_NAME, limit(typeName, 1024, "exception type"));
    writeString(out, F_MESSAGE, fit(message, messageBudget, "exception message"));
    writeBoolean(out, F_HAS_FULL_STACK, true);
    writeString(out, F_STACK, fit(stack, stackBudget, "exception stack"));
    out.writeEndObject();
    out.writeEndArray();
    out.writeEndObject();
    out.writeEndObject();
    out.writeEndObject();
  }

  /** {@code value} cut to the service's 32,768 characters and to {@code maxBytes} as JSON text; cuts counted. */
  private String fit(String value, int maxBytes, String field) {
    int keep = JsonText.prefixWithin(value, MAX_EXCEPTION_TEXT_CHARS, maxBytes);
    if (keep < value.length()) {
      count(field);
      return value.substring(0, keep);
    }
    return value;
  }

  /** {@code value}, or the fallback for an empty or blank span name (the service rejects empty names). */
  private static String orUnnamed(String value) {
    return value.isBlank() ? UNNAMED : value;
  }

  private String limit(String value, int max, String field) {
    if (value.length() > max) {
      count(field);
    }
    return cut(value, max);
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

  private static @Nullable String string(Object[] attributes, int key) {
    Object value = attributes[key];
    return value == null ? null : value.toString();
  }

  private static @Nullable String string(Object[] attributes, int key, int legacyKey) {
    String value = string(attributes, key);
    return value != null ? value : string(attributes, legacyKey);
  }

  private static @Nullable Long number(Object[] attributes, int key, int legacyKey) {
    Object value = attributes[key];
    if (value == null) {
      value = attributes[legacyKey];
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
  private static @Nullable String hostPort(Object[] attributes, @Nullable String url, @Nullable String dbSystem) {
    String host = string(attributes, A_SERVER_ADDRESS);
    Long port = number(attributes, A_SERVER_PORT, A_SERVER_PORT);
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

  private static void writeString(JsonGenerator out, SerializableString field, String value) throws IOException {
    out.writeFieldName(field);
    out.writeString(value);
  }

  private static void writeString(JsonGenerator out, SerializableString field, SerializableString value)
      throws IOException {
    out.writeFieldName(field);
    out.writeString(value);
  }

  private static void writeNumber(JsonGenerator out, SerializableString field, int value) throws IOException {
    out.writeFieldName(field);
    out.writeNumber(value);
  }

  /** A span id as 16 hex chars, straight from the number (no string per envelope). */
  private static void writeId(JsonGenerator out, SerializableString field, long id) throws IOException {
    char[] chars = SCRATCH.get();
    Hex.write(id, chars, 0);
    out.writeFieldName(field);
    out.writeString(chars, 0, 16);
  }

  private static void writeSampleRate(JsonGenerator out, double rate) throws IOException {
    out.writeFieldName(F_SAMPLE_RATE);
    if (rate == 100.0) {
      out.writeNumber("100.0"); // the common case, without formatting a double per envelope
    } else {
      out.writeNumber(rate);
    }
  }

  private static void writeBoolean(JsonGenerator out, SerializableString field, boolean value) throws IOException {
    out.writeFieldName(field);
    out.writeBoolean(value);
  }

  private static void writeObject(JsonGenerator out, SerializableString field) throws IOException {
    out.writeFieldName(field);
    out.writeStartObject();
  }

  private static void writeArray(JsonGenerator out, SerializableString field) throws IOException {
    out.writeFieldName(field);
    out.writeStartArray();
  }
}
