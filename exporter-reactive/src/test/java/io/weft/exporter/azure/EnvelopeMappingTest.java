package io.weft.exporter.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.Unpooled;
import io.weft.core.Span;
import io.weft.core.SpanBuilder;
import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import io.weft.core.Tracer;
import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import io.weft.endpoint.LocalEndpoint;
import io.weft.endpoint.TelemetryItem;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Spans → envelopes (the mapping in the module README), checked field by field after a real round trip: encoded as
 * gzip NDJSON, posted to a local endpoint whose validator must accept every item.
 */
class EnvelopeMappingTest {
  static final String KEY = "11111111-2222-3333-4444-555555555555";

  final LocalEndpoint endpoint = LocalEndpoint.builder().instrumentationKey(KEY).start();
  final InMemorySpanExporter recorder = InMemorySpanExporter.create();
  final Tracer tracer = Tracer.builder().serviceName("orders").serviceInstance("host-1").exporter(recorder).build();
  final EnvelopeMapper mapper = new EnvelopeMapper(KEY);

  @AfterEach
  void close() {
    endpoint.close();
  }

  /** Encodes the recorded spans, posts them, requires a 200, and returns the stored items. */
  List<TelemetryItem> roundTrip() {
    List<SpanData> spans = recorder.spans();
    byte[] body = new EnvelopeEncoder(mapper, 6).encode(spans);
    Integer status = HttpClient.create()
        .headers(h -> h.set("Content-Type", "application/x-json-stream").set("Content-Encoding", "gzip"))
        .post().uri(ConnectionString.parse(endpoint.connectionString()).trackUrl())
        .send(Mono.just(Unpooled.wrappedBuffer(body)))
        .responseSingle((response, content) -> content.asString().defaultIfEmpty("")
            .map(text -> {
              assertThat(response.status().code()).as(text).isEqualTo(200);
              return response.status().code();
            }))
        .block(Duration.ofSeconds(20));
    assertThat(status).isEqualTo(200);
    int expected = spans.stream().mapToInt(EnvelopeMapper::envelopeCount).sum();
    return endpoint.store().await(expected, Duration.ofSeconds(10));
  }

  TelemetryItem dependency(SpanKind kind, String name, Consumer<SpanBuilder> attributes) {
    SpanBuilder builder = tracer.spanBuilder(name).kind(kind);
    attributes.accept(builder);
    builder.start().end();
    List<TelemetryItem> items = roundTrip();
    assertThat(items).hasSize(1);
    assertThat(items.get(0).type()).isEqualTo("RemoteDependency");
    return items.get(0);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = ';', nullValues = "-", value = {
      // row | db.system | address | port | namespace | type | target
      "postgresql default port; postgresql; db.example; 5432; orders; postgresql; db.example | orders",
      "postgresql other port; postgresql; db.example; 6432; orders; postgresql; db.example:6432 | orders",
      "mysql; mysql; db; 3306; shop; mysql; db | shop",
      "mariadb maps to mysql; mariadb; db; 3307; shop; mysql; db:3307 | shop",
      "h2 maps to SQL; h2; -; -; mem; SQL; mem",
      "mssql maps to SQL; mssql; sql.example; 1433; app; SQL; sql.example | app",
      "oracle maps to SQL; oracle; ora; 1522; app; SQL; ora:1522 | app",
      "mongodb as is; mongodb; mongo; 27017; catalog; mongodb; mongo | catalog",
      "redis as is, no namespace; redis; cache; 6380; -; redis; cache:6380",
      "only the system; cassandra; -; -; -; cassandra; cassandra",
  })
  void databaseRows(String row, String system, String address, Long port, String namespace, String type,
      String target) {
    TelemetryItem item = dependency(SpanKind.CLIENT, "SELECT orders", b -> {
      b.attribute("db.system", system).attribute("db.query.text", "SELECT * FROM orders WHERE id = ?");
      if (address != null) {
        b.attribute("server.address", address);
      }
      if (port != null) {
        b.attribute("server.port", port);
      }
      if (namespace != null) {
        b.attribute("db.namespace", namespace);
      }
    });
    assertThat(item.field("type")).isEqualTo(type);
    assertThat(item.field("target")).isEqualTo(target);
    assertThat(item.field("data")).isEqualTo("SELECT * FROM orders WHERE id = ?");
    assertThat(item.name()).isEqualTo("SELECT orders");
    assertThat(item.field("resultCode")).isEqualTo("0");
    assertThat(item.baseData().get("success").asBoolean()).isTrue();
  }

  @Test
  void failedDatabaseCallCarriesTheDatabaseErrorCodeAsResultCode() {
    TelemetryItem item = dependency(SpanKind.CLIENT, "postgresql", b -> b
        .attribute("db.system", "postgresql").attribute("db.query.text", "SELEC ?")
        .attribute("db.response.status_code", "42601").attribute("error.type", "R2dbcBadGrammarException"));
    assertThat(item.field("resultCode")).isEqualTo("42601");
    assertThat(item.field("data")).isEqualTo("SELEC ?");
  }

  @Test
  void mongoDbCommandIsAMongodbDependencyWithItsShapeAsData() {
    String shape = "{\"find\": \"orders\", \"filter\": {\"customer\": \"?\"}}";
    TelemetryItem item = dependency(SpanKind.CLIENT, "find orders", b -> b
        .attribute("db.system", "mongodb").attribute("db.namespace", "shop")
        .attribute("db.collection.name", "orders").attribute("db.operation.name", "find")
        .attribute("server.address", "127.0.0.1").attribute("server.port", 27018L)
        .attribute("db.query.text", shape).attribute("db.response.returned_rows", 3L));
    assertThat(item.field("type")).isEqualTo("mongodb");
    assertThat(item.field("target")).isEqualTo("127.0.0.1:27018 | shop");
    assertThat(item.field("data")).isEqualTo(shape);
    assertThat(item.name()).isEqualTo("find orders");
    assertThat(item.field("resultCode")).isEqualTo("0");
    assertThat(item.baseData().get("success").asBoolean()).isTrue();
    assertThat(item.property("db.collection.name")).isEqualTo("orders");
    assertThat(item.property("db.response.returned_rows")).isEqualTo("3");
  }

  @Test
  void failedMongoDbCommandCarriesTheServersErrorCode() {
    tracer.spanBuilder("insert orders").kind(SpanKind.CLIENT)
        .attribute("db.system", "mongodb").attribute("db.namespace", "shop")
        .attribute("server.address", "mongo.example").attribute("server.port", 27017L)
        .attribute("db.query.text", "{\"insert\": \"orders\"}").attribute("error.type", "WriteError")
        .attribute("db.response.status_code", "11000").start()
        .setStatus(StatusCode.ERROR, "E11000 duplicate key").end();
    List<TelemetryItem> items = roundTrip();
    assertThat(items).hasSize(1);
    TelemetryItem item = items.get(0);
    assertThat(item.field("target")).isEqualTo("mongo.example | shop");
    assertThat(item.field("resultCode")).isEqualTo("11000");
    assertThat(item.baseData().get("success").asBoolean()).isFalse();
  }

  @Test
  void httpClientSpan() {
    TelemetryItem item = dependency(SpanKind.CLIENT, "GET /orders/{id}", b -> b
        .attribute("http.request.method", "GET").attribute("url.full", "https://api.example.com/orders/42?x=1")
        .attribute("server.address", "api.example.com").attribute("server.port", 443L)
        .attribute("http.response.status_code", 404L).attribute("custom", "kept"));
    assertThat(item.field("type")).isEqualTo("Http");
    assertThat(item.field("target")).isEqualTo("api.example.com");
    assertThat(item.field("data")).isEqualTo("https://api.example.com/orders/42?x=1");
    assertThat(item.field("resultCode")).isEqualTo("404");
    assertThat(item.baseData().get("success").asBoolean()).as("HTTP >= 400 fails a dependency").isFalse();
    assertThat(item.property("custom")).isEqualTo("kept");
    assertThat(item.property("url.full")).as("mapped attributes are not repeated as properties").isNull();
  }

  @Test
  void httpBareMethodNameGetsThePathAndNonDefaultPortIsKept() {
    TelemetryItem item = dependency(SpanKind.CLIENT, "POST", b -> b
        .attribute("http.request.method", "POST").attribute("url.full", "http://127.0.0.1:8080/v1/pay")
        .attribute("http.response.status_code", 201L));
    assertThat(item.name()).isEqualTo("POST /v1/pay");
    assertThat(item.field("target")).isEqualTo("127.0.0.1:8080");
    assertThat(item.baseData().get("success").asBoolean()).isTrue();
  }

  @Test
  void internalSpanIsInProcWhateverItsAttributes() {
    TelemetryItem item = dependency(SpanKind.INTERNAL, "compute", b -> b.attribute("db.system", "h2"));
    assertThat(item.field("type")).isEqualTo("InProc");
    assertThat(item.field("target")).isNull();
    assertThat(item.property("db.system")).isNull();
  }

  @Test
  void clientSpanWithNothingToGoOnIsInProc() {
    assertThat(dependency(SpanKind.CLIENT, "mystery", b -> { }).field("type")).isEqualTo("InProc");
  }

  @Test
  void rpcAndMessagingRows() {
    TelemetryItem rpc = dependency(SpanKind.CLIENT, "Greeter/Hello", b -> b.attribute("rpc.system", "grpc")
        .attribute("server.address", "greeter").attribute("server.port", 50051L));
    assertThat(rpc.field("type")).isEqualTo("grpc");
    assertThat(rpc.field("target")).isEqualTo("greeter:50051");
    endpoint.store().clear();
    recorder.reset();
    TelemetryItem producer = dependency(SpanKind.PRODUCER, "orders send", b -> b.attribute("messaging.system", "kafka")
        .attribute("server.address", "broker").attribute("messaging.destination.name", "orders"));
    assertThat(producer.field("type")).isEqualTo("Queue Message | kafka");
    assertThat(producer.field("target")).isEqualTo("broker/orders");
  }

  @Test
  void serverSpanIsARequestAndNamesTheOperationOfItsChildren() {
    Span request = tracer.spanBuilder("GET /orders/{id}").kind(SpanKind.SERVER)
        .attribute("http.request.method", "GET").attribute("url.full", "http://localhost:8080/orders/42")
        .attribute("http.response.status_code", 500L).attribute("client.address", "10.1.2.3")
        .attribute("user_agent.original", "curl/8").start();
    Span child = tracer.spanBuilder("SELECT orders").kind(SpanKind.CLIENT).parent(request)
        .attribute("db.system", "h2").start();
    child.end();
    request.setStatus(StatusCode.ERROR, "boom");
    request.recordException(new IllegalStateException("database down"));
    request.end();
    List<TelemetryItem> items = roundTrip();
    assertThat(items).extracting(TelemetryItem::type).containsExactly("RemoteDependency", "Request", "Exception");
    TelemetryItem dep = items.get(0);
    TelemetryItem req = items.get(1);
    TelemetryItem exception = items.get(2);
    assertThat(req.field("responseCode")).isEqualTo("500");
    assertThat(req.baseData().get("success").asBoolean()).isFalse();
    assertThat(req.field("url")).isEqualTo("http://localhost:8080/orders/42");
    assertThat(req.tag("ai.location.ip")).isEqualTo("10.1.2.3");
    assertThat(req.tag("ai.user.userAgent")).isEqualTo("curl/8");
    assertThat(req.parentId()).isNull();
    assertThat(req.tag("ai.operation.name")).isEqualTo("GET /orders/{id}");
    assertThat(dep.parentId()).isEqualTo(req.id());
    assertThat(dep.operationId()).isEqualTo(req.operationId()).isEqualTo(request.context().traceId());
    assertThat(dep.tag("ai.operation.name")).as("the root SERVER span's name on every item").isEqualTo("GET /orders/{id}");
    assertThat(exception.parentId()).isEqualTo(req.id());
    JsonNode details = exception.baseData().get("exceptions").get(0);
    assertThat(details.get("typeName").asText()).isEqualTo("java.lang.IllegalStateException");
    assertThat(details.get("message").asText()).isEqualTo("database down");
    assertThat(details.get("stack").asText()).contains("IllegalStateException: database down");
    assertThat(endpoint.store().trace(req.operationId()).get(0).render()).startsWith("Request GET /orders/{id}");
  }

  @Test
  void commonEnvelopeFields() {
    Span span = tracer.spanBuilder("work").start();
    span.end();
    TelemetryItem item = roundTrip().get(0);
    JsonNode envelope = item.envelope();
    assertThat(envelope.get("name").asText()).isEqualTo("Microsoft.ApplicationInsights.RemoteDependency");
    assertThat(envelope.get("iKey").asText()).isEqualTo(KEY);
    assertThat(envelope.get("sampleRate").asDouble()).isEqualTo(100.0);
    assertThat(envelope.get("time").asText()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z");
    assertThat(item.baseData().get("ver").asInt()).isEqualTo(2);
    assertThat(item.id()).isEqualTo(span.context().spanId()).hasSize(16);
    assertThat(item.operationId()).hasSize(32);
    assertThat(item.field("duration")).matches("\\d{2}:\\d{2}:\\d{2}\\.\\d{6}");
    assertThat(item.tag("ai.cloud.role")).isEqualTo("orders");
    assertThat(item.tag("ai.cloud.roleInstance")).isEqualTo("host-1");
    assertThat(item.tag("ai.internal.sdkVersion")).matches("java\\d+:weft.+").hasSizeLessThanOrEqualTo(64);
    assertThat(item.tag("ai.operation.name")).as("no SERVER root known locally").isNull();
  }

  @Test
  void exceptionOnARootDependencyWithoutMessageUsesTheTypeName() {
    Span span = tracer.spanBuilder("job").start();
    span.recordException(new UnsupportedOperationException());
    span.end();
    List<TelemetryItem> items = roundTrip();
    assertThat(items).extracting(TelemetryItem::type).containsExactly("RemoteDependency", "Exception");
    assertThat(items.get(1).baseData().get("exceptions").get(0).get("message").asText())
        .isEqualTo("java.lang.UnsupportedOperationException");
  }

  @Test
  void anExceptionItemFitsTheServiceLimitWhateverItsMessageAndStack() {
    // A megabyte of message: quotes, backslashes, control characters (six bytes each once escaped), non-ASCII.
    StringBuilder message = new StringBuilder();
    while (message.length() < 1_000_000) {
      message.append("line \"quoted\" \\ \u0001\u0002 Grüße 日本語 😀\n");
    }
    Span request = tracer.spanBuilder("GET /big").kind(SpanKind.SERVER).start();
    request.recordException(new IllegalStateException(message.toString(), new RuntimeException("x".repeat(100_000))));
    request.end();
    List<TelemetryItem> items = roundTrip(); // the endpoint's validator rejects any item over 64 KB
    assertThat(items).extracting(TelemetryItem::type).containsExactly("Request", "Exception");
    TelemetryItem exception = items.get(1);
    assertThat(exception.json().getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(BatchEncoder.MAX_ITEM_BYTES);
    JsonNode details = exception.baseData().get("exceptions").get(0);
    assertThat(details.get("message").asText()).startsWith("line \"quoted\"").hasSizeGreaterThan(1_000);
    assertThat(details.get("stack").asText()).startsWith("java.lang.IllegalStateException: line")
        .hasSizeGreaterThan(1_000);
    assertThat(details.get("message").asText()).as("never half a surrogate pair")
        .doesNotEndWith("\ud83d");
    assertThat(mapper.truncations()).containsEntry("exception message", 1L).containsEntry("exception stack", 1L);
  }

  @Test
  void messageAndStackShareOneBudgetAndShortOnesAreKeptWhole() {
    Span first = tracer.spanBuilder("job").start();
    first.recordException(new IllegalStateException("short message"));
    first.end();
    Span second = tracer.spanBuilder("job").start();
    second.recordException(new IllegalStateException("m".repeat(200_000)));
    second.end();
    List<TelemetryItem> items = roundTrip();
    JsonNode whole = items.get(1).baseData().get("exceptions").get(0);
    assertThat(whole.get("message").asText()).isEqualTo("short message");
    assertThat(whole.get("stack").asText()).contains("at io.weft.exporter.azure.EnvelopeMappingTest");
    JsonNode cut = items.get(3).baseData().get("exceptions").get(0);
    int message = cut.get("message").asText().length();
    int stack = cut.get("stack").asText().length();
    assertThat(message).isPositive().isLessThan(200_000);
    assertThat(stack).as("the stack keeps its share").isGreaterThanOrEqualTo(EnvelopeMapper.EXCEPTION_TEXT_BYTES / 2);
    assertThat(message + stack).isLessThanOrEqualTo(EnvelopeMapper.EXCEPTION_TEXT_BYTES);
  }

  @Test
  void anEmptyOrBlankNameIsSentWithItsFallback() {
    tracer.spanBuilder("").start().end();
    tracer.spanBuilder("   ").kind(SpanKind.SERVER).start().end();
    tracer.spanBuilder("").kind(SpanKind.CLIENT).attribute("http.request.method", "GET")
        .attribute("url.full", "https://api.example.com/orders/42?page=2").start().end();
    List<TelemetryItem> items = roundTrip(); // an empty name would be rejected
    assertThat(items).extracting(TelemetryItem::name)
        .containsExactly(EnvelopeMapper.UNNAMED, EnvelopeMapper.UNNAMED, "GET /orders/42");
    assertThat(items.get(1).tag("ai.operation.name")).isEqualTo(EnvelopeMapper.UNNAMED);
    assertThat(mapper.truncations()).containsEntry("empty name", 3L);
  }

  @Test
  void emptyAttributeKeysAreDroppedAndCounted() {
    tracer.spanBuilder("work").attribute("", "no key").attribute(" ", "blank key").attribute("kept", "yes").start()
        .end();
    TelemetryItem item = roundTrip().get(0);
    assertThat(item.baseData().get("properties").properties()).extracting(java.util.Map.Entry::getKey)
        .containsExactly("kept");
    assertThat(mapper.truncations()).containsEntry("empty property key", 2L);
  }

  @Test
  void cancelledSpansSayPropertiesAndLimitsAreCounted() {
    Span span = tracer.spanBuilder("n".repeat(1000)).kind(SpanKind.CLIENT).attribute("db.system", "h2")
        .attribute("db.query.text", "x".repeat(8192)).attribute("k".repeat(151), "dropped key").start();
    span.setAttribute("number", 42L).setAttribute("flag", true);
    span.end();
    TelemetryItem item = roundTrip().get(0);
    assertThat(item.field("data")).hasSize(8192);
    assertThat(item.property("number")).isEqualTo("42");
    assertThat(item.property("flag")).isEqualTo("true");
    assertThat(mapper.truncations()).containsEntry("property key", 1L);
  }

  @Test
  void durationsAndTimes() {
    assertThat(EnvelopeMapper.formatDuration(1_234_567_891L)).isEqualTo("00:00:01.234567");
    assertThat(EnvelopeMapper.formatDuration(-5)).isEqualTo("00:00:00.000000");
    assertThat(EnvelopeMapper.formatDuration(Duration.ofDays(2).plusHours(3).plusMinutes(4).toNanos()))
        .isEqualTo("2.03:04:00.000000");
    assertThat(EnvelopeMapper.formatDuration(Duration.ofDays(5000).toNanos())).isEqualTo("999.23:59:59.999999");
    assertThat(EnvelopeMapper.formatTime(0)).isEqualTo("1970-01-01T00:00:00.000000Z");
    assertThat(EnvelopeMapper.formatTime(1_764_000_000_123_456_789L)).isEqualTo("2025-11-24T16:00:00.123456Z");
    assertThat(EnvelopeMapper.formatDuration(Duration.ofDays(12).plusSeconds(5).toNanos()))
        .isEqualTo("12.00:00:05.000000");
    // The hand-written calendar agrees with java.time across leap years, centuries and negative epochs.
    java.util.SplittableRandom random = new java.util.SplittableRandom(3);
    java.time.format.DateTimeFormatter iso =
        java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);
    for (int i = 0; i < 100_000; i++) {
      long nanos = random.nextLong(-2_000_000_000L * 1_000_000_000L, 6_000_000_000L * 1_000_000_000L);
      java.time.Instant instant = java.time.Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
          Math.floorMod(nanos, 1_000_000_000L));
      if (instant.atZone(java.time.ZoneOffset.UTC).getYear() < 1000) {
        continue; // four-digit years only, as the service expects
      }
      assertThat(EnvelopeMapper.formatTime(nanos)).isEqualTo(iso.format(instant));
    }
  }
}
