package io.weft.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.core.WeftConfig;
import io.weft.endpoint.EndpointStats;
import io.weft.endpoint.TelemetryItem;
import io.weft.exporter.azure.ExporterMetrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the example in-process, 200 requests as fast as 400 per second allows, against the embedded endpoint, and
 * checks what the endpoint received item by item: one request item per load request, the expected dependencies
 * under each (type, target, data), the inventory's request under the HTTP dependency that called it, every item
 * correlated by operation id and parent id, and an exact accounting.
 */
class OrdersExampleTest {
  static final int REQUESTS = 200;
  /** MongoDB updates of the run: one per line of every order created (orders with an offline line write none). */
  static final int STOCK_UPDATES = IntStream.range(0, REQUESTS)
      .filter(i -> LoadGenerator.call(i) == LoadGenerator.Call.CREATE).map(LoadGenerator::lines).sum();
  static final long SPANS = expectedSpans(REQUESTS);

  /**
   * Spans of a run of {@code requests}. Per load request: POST = 9 (request, validate, BEGIN, 2 INSERTs,
   * COMMIT/ROLLBACK, HTTP, inventory's request and reserve-stock) plus one MongoDB update per line when the order is
   * created; GET = 3 (request, 2 SELECTs); slow GET = 3 (request, SELECT, recalculate-shipping).
   */
  static long expectedSpans(int requests) {
    return IntStream.range(0, requests).mapToLong(i -> switch (LoadGenerator.call(i)) {
      case CREATE -> 9 + LoadGenerator.lines(i);
      case CREATE_OFFLINE -> 9;
      case READ, READ_SLOW -> 3;
    }).sum();
  }

  static final String STOCK_UPDATE_SHAPE = "{\"update\": \"reservations\", \"ordered\": \"?\", \"updates\": "
      + "[{\"q\": {\"_id\": \"?\"}, \"u\": {\"$inc\": {\"reserved\": \"?\"}}, \"upsert\": \"?\"}]}";
  @TempDir static Path dir;
  static OrdersExample.Result result;
  static String output;
  static Map<String, TelemetryItem> byId;
  static Map<String, List<TelemetryItem>> children;

  @BeforeAll
  static void runExample() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    OrdersExample.Options options = new OrdersExample.Options(REQUESTS, 400, Duration.ofSeconds(30), null,
        dir.resolve("summary.json"), false, "vertx", "reactor-netty");
    result = OrdersExample.run(options, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    output = bytes.toString(StandardCharsets.UTF_8);
    byId = new HashMap<>();
    children = new HashMap<>();
    for (TelemetryItem item : result.received()) {
      if (item.id() != null) {
        assertThat(byId.put(item.id(), item)).as("duplicate id %s", item.id()).isNull();
      }
      if (item.parentId() != null) {
        children.computeIfAbsent(item.parentId(), k -> new ArrayList<>()).add(item);
      }
    }
  }

  @Test
  void runSucceedsAndTheLoadGotTheAnswersItExpected() {
    assertThat(result.summary().problems()).as(output).isEmpty();
    assertThat(result.ok()).isTrue();
    assertThat(output).contains("Requests (Request items received by the endpoint", "Dependencies (RemoteDependency",
        "One trace", "Exporter accounting: produced " + SPANS + " = exported " + SPANS + " + dropped 0 + pending 0",
        "OK: every span produced was accepted by the local endpoint.",
        "Run with --keep-running to browse these traces in the local endpoint's trace viewer.\n\nOK: every span");
  }

  @Test
  void everyLoadRequestProducedOneRootRequestItem() {
    List<TelemetryItem> orders = requests("orders");
    assertThat(orders).hasSize(REQUESTS);
    assertThat(orders).allSatisfy(item -> {
      assertThat(item.parentId()).as("the load generator is not traced: orders requests are roots").isNull();
      assertThat(item.operationId()).isNotNull();
    });
    assertThat(orders.stream().map(TelemetryItem::operationId).distinct()).hasSize(REQUESTS);
    assertThat(orders).extracting(TelemetryItem::name, item -> item.field("responseCode"), item -> item.field("success"))
        .containsOnly(tuple("POST /orders", "201", "true"), tuple("POST /orders", "503", "false"),
            tuple("GET /orders/{id}", "200", "true"), tuple("GET /orders/{id}/slow", "200", "true"));
    assertThat(count(orders, "POST /orders", "201")).isEqualTo(100);
    assertThat(count(orders, "POST /orders", "503")).isEqualTo(20);
    assertThat(count(orders, "GET /orders/{id}", "200")).isEqualTo(60);
    assertThat(count(orders, "GET /orders/{id}/slow", "200")).isEqualTo(20);
    assertThat(requests("inventory")).hasSize(120);
  }

  @Test
  void createdOrdersHaveValidateTransactionAndReserve() {
    for (TelemetryItem request : requests("orders", "POST /orders")) {
      boolean created = "201".equals(request.field("responseCode"));
      List<TelemetryItem> deps = childrenOf(request);
      assertThat(deps).extracting(TelemetryItem::type).containsOnly("RemoteDependency");
      assertThat(deps).extracting(d -> d.field("type"), TelemetryItem::name, d -> d.field("target"),
          d -> d.field("data")).containsExactly(
          tuple("InProc", "validate", null, null),
          tuple("SQL", "BEGIN", "orders", "BEGIN"),
          tuple("SQL", "INSERT orders", "orders", OrderStore.INSERT_ORDER),
          tuple("SQL", "INSERT order_lines", "orders", OrderStore.INSERT_LINE),
          tuple("Http", "POST /reserve", http(deps).field("target"), http(deps).field("data")),
          created ? tuple("SQL", "COMMIT", "orders", "COMMIT") : tuple("SQL", "ROLLBACK", "orders", "ROLLBACK"));
      assertThat(deps).filteredOn(d -> !"Http".equals(d.field("type")))
          .allSatisfy(d -> assertThat(d.field("success")).isEqualTo("true"));

      TelemetryItem http = http(deps);
      assertThat(http.field("data")).matches("http://127\\.0\\.0\\.1:\\d+/reserve");
      assertThat(http.field("target")).isEqualTo(http.field("data").replaceAll("http://([^/]+)/reserve", "$1"));
      assertThat(http.field("resultCode")).isEqualTo(created ? "200" : "503");
      assertThat(http.field("success")).isEqualTo(created ? "true" : "false");

      // The inventory service continued the trace: its request is the HTTP dependency's child, in another role.
      List<TelemetryItem> remote = childrenOf(http);
      assertThat(remote).hasSize(1);
      TelemetryItem reserve = remote.get(0);
      assertThat(reserve.type()).isEqualTo("Request");
      assertThat(reserve.name()).isEqualTo("POST /reserve");
      assertThat(reserve.tag("ai.cloud.role")).isEqualTo("inventory");
      assertThat(reserve.field("responseCode")).isEqualTo(created ? "200" : "503");
      assertThat(childrenOf(reserve)).extracting(d -> d.field("type"), TelemetryItem::name, d -> d.field("success"))
          .containsExactly(tuple("InProc", "reserve-stock", created ? "true" : "false"));

      // The stock is written to MongoDB: one update per line, each a mongodb dependency of reserve-stock; an order
      // with an offline line writes nothing.
      TelemetryItem stock = childrenOf(reserve).get(0);
      List<TelemetryItem> mongo = childrenOf(stock);
      assertThat(mongo).hasSize(created ? Integer.parseInt(stock.property("inventory.lines")) : 0);
      assertThat(mongo).allSatisfy(update -> {
        assertThat(update.type()).isEqualTo("RemoteDependency");
        assertThat(update.field("type")).isEqualTo("mongodb");
        assertThat(update.name()).isEqualTo("update reservations");
        assertThat(update.field("target")).matches("127\\.0\\.0\\.1:\\d+ \\| inventory");
        assertThat(update.field("data")).isEqualTo(STOCK_UPDATE_SHAPE);
        assertThat(update.field("resultCode")).isEqualTo("0");
        assertThat(update.field("success")).isEqualTo("true");
        assertThat(update.tag("ai.cloud.role")).isEqualTo("inventory");
      });
    }
  }

  @Test
  void readsHaveTheirSelectsAndTheSlowPathItsDelay() {
    for (TelemetryItem request : requests("orders", "GET /orders/{id}")) {
      assertThat(childrenOf(request)).extracting(d -> d.field("type"), TelemetryItem::name, d -> d.field("target"),
          d -> d.field("data")).containsExactly(
          tuple("SQL", "SELECT orders", "orders", OrderStore.SELECT_ORDER),
          tuple("SQL", "SELECT order_lines", "orders", OrderStore.SELECT_LINES));
    }
    for (TelemetryItem request : requests("orders", "GET /orders/{id}/slow")) {
      List<TelemetryItem> deps = childrenOf(request);
      assertThat(deps).extracting(d -> d.field("type"), TelemetryItem::name, d -> d.field("target"),
          d -> d.field("data")).containsExactly(
          tuple("SQL", "SELECT orders", "orders", OrderStore.SELECT_ORDER),
          tuple("InProc", "recalculate-shipping", null, null));
      assertThat(Summary.millis(deps.get(1).field("duration"))).isGreaterThanOrEqualTo(OrderStore.SLOW_MILLIS);
      assertThat(Summary.millis(request.field("duration"))).isGreaterThanOrEqualTo(OrderStore.SLOW_MILLIS);
    }
  }

  @Test
  void everyItemIsCorrelatedWithItsRootByOperationAndParentId() {
    for (TelemetryItem item : result.received()) {
      assertThat(item.type()).isIn("Request", "RemoteDependency");
      TelemetryItem root = item;
      int depth = 0;
      while (root.parentId() != null) {
        TelemetryItem parent = byId.get(root.parentId());
        assertThat(parent).as("parent %s of %s", root.parentId(), item).isNotNull();
        assertThat(parent.operationId()).isEqualTo(item.operationId());
        root = parent;
        assertThat(++depth).isLessThan(10);
      }
      assertThat(root.type()).isEqualTo("Request");
      assertThat(root.tag("ai.cloud.role")).isEqualTo("orders");
      assertThat(item.tag("ai.operation.name")).as("operation name of %s", item).isNotBlank();
    }
  }

  @Test
  void accountingBalancesExactlyAndTheEndpointAcceptedEverything() {
    ExporterMetrics metrics = result.metrics();
    long expected = SPANS;
    assertThat(result.spansProduced()).isEqualTo(expected);
    assertThat(metrics.handedOver()).isEqualTo(expected);
    assertThat(metrics.delivered()).isEqualTo(expected);
    assertThat(metrics.dropped()).isZero();
    assertThat(metrics.pending()).isZero();
    assertThat(metrics.handedOver()).isEqualTo(metrics.delivered() + metrics.dropped() + metrics.pending());
    assertThat(result.received()).hasSize((int) expected);
    EndpointStats endpoint = Objects.requireNonNull(result.endpoint());
    assertThat(endpoint.itemsReceived()).isEqualTo(expected);
    assertThat(endpoint.itemsAccepted()).isEqualTo(expected);
    assertThat(endpoint.itemsRejected()).isZero();
    assertThat(endpoint.itemsEvicted()).isZero();
    Summary.Accounting accounting = result.summary().accounting();
    assertThat(accounting.balances()).isTrue();
    assertThat(accounting.produced()).isEqualTo(expected);
    assertThat(accounting.exported()).isEqualTo(expected);
  }

  @Test
  void tablesAreComputedFromWhatTheEndpointReceived() {
    Summary summary = result.summary();
    assertThat(summary.requests()).extracting(Summary.RequestRow::role, Summary.RequestRow::name,
        row -> row.stats().calls(), row -> row.stats().failures()).containsExactly(
        tuple("inventory", "POST /reserve", 120L, 20L),
        tuple("orders", "GET /orders/{id}", 60L, 0L),
        tuple("orders", "GET /orders/{id}/slow", 20L, 0L),
        tuple("orders", "POST /orders", 120L, 20L));
    assertThat(summary.dependencies()).extracting(Summary.DependencyRow::type, row -> row.stats().calls(),
        row -> row.stats().failures()).containsExactly(
        tuple("SQL", 120L * 4 + 60 * 2 + 20, 0L),
        tuple("InProc", 120L * 2 + 20, 20L),
        tuple("mongodb", (long) STOCK_UPDATES, 0L),
        tuple("Http", 120L, 20L));
    Summary.DependencyRow sql = summary.dependencies().get(0);
    assertThat(sql.target()).isEqualTo("orders");
    assertThat(sql.operations()).extracting(Summary.Operation::name, op -> op.stats().calls()).containsExactly(
        tuple("BEGIN", 120L), tuple("COMMIT", 100L), tuple("INSERT order_lines", 120L), tuple("INSERT orders", 120L),
        tuple("ROLLBACK", 20L), tuple("SELECT order_lines", 60L), tuple("SELECT orders", 80L));
    Summary.Stats slow = summary.requests().get(2).stats();
    assertThat(slow.p95Ms()).isGreaterThanOrEqualTo(slow.averageMs() * 0.5).isGreaterThanOrEqualTo(200);

    assertThat(summary.trace()).hasSize(1);
    Summary.TraceLine root = summary.trace().get(0);
    assertThat(root.name()).isEqualTo("POST /orders");
    assertThat(root.children()).extracting(Summary.TraceLine::name).containsExactly("validate", "BEGIN",
        "INSERT orders", "INSERT order_lines", "POST /reserve", "COMMIT");
    assertThat(root.children().get(4).children()).extracting(Summary.TraceLine::name, Summary.TraceLine::role)
        .containsExactly(tuple("POST /reserve", "inventory"));
  }

  @Test
  void summaryJsonHasTheAccountingAndTheTables() throws Exception {
    JsonNode json = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertThat(json.path("ok").asBoolean()).isTrue();
    assertThat(json.path("accounting").path("produced").asLong()).isEqualTo(SPANS);
    assertThat(json.path("accounting").path("exported").asLong()).isEqualTo(SPANS);
    assertThat(json.path("accounting").path("dropped").asLong()).isZero();
    assertThat(json.path("endpoint").path("itemsRejected").asLong()).isZero();
    assertThat(json.path("load").path("sent").asInt()).isEqualTo(REQUESTS);
    assertThat(json.path("requests")).hasSize(4);
    assertThat(json.path("dependencies")).hasSize(4);
    assertThat(json.path("trace").path("tree").get(0).path("children")).hasSize(6);
  }

  @Test
  void optionsHaveDefaultsAndFailFastNamingTheOption() {
    WeftConfig none = WeftConfig.of(Map.of(), Map.of());
    OrdersExample.Options defaults = OrdersExample.Options.defaults(none);
    assertThat(defaults.requests()).isEqualTo(600);
    assertThat(defaults.rate()).isEqualTo(20);
    assertThat(defaults.duration()).isEqualTo(Duration.ofSeconds(30));
    assertThat(defaults.connectionString()).isNull();
    assertThat(defaults.summaryJson()).isNull();
    assertThat(defaults.keepRunning()).isFalse();
    assertThat(OrdersExample.Options.parse(new String[] {"--requests", "50"}, none).requests()).isEqualTo(50);
    assertThat(OrdersExample.Options.parse(new String[] {"--duration", "10s"}, none).requests()).isEqualTo(200);
    assertThat(OrdersExample.Options.parse(new String[] {"--rate", "5", "--duration", "2m"}, none).requests())
        .isEqualTo(600);
    assertThat(OrdersExample.Options.parse(new String[] {"--requests", "1000", "--duration", "500ms"}, none)
        .requests()).as("the first limit reached wins").isEqualTo(10);
    OrdersExample.Options all = OrdersExample.Options.parse(new String[] {"--connection-string", "InstrumentationKey=11111111-2222-3333-4444-555555555555",
        "--summary-json", "s.json", "--keep-running"}, none);
    assertThat(all.connectionString()).isEqualTo("InstrumentationKey=11111111-2222-3333-4444-555555555555");
    assertThat(all.summaryJson()).isEqualTo(Path.of("s.json"));
    assertThat(all.keepRunning()).isTrue();
    WeftConfig azure = WeftConfig.of(Map.of(), Map.of(WeftConfig.CONNECTION_STRING_ENV, "InstrumentationKey=22222222-2222-3333-4444-555555555555"));
    assertThat(OrdersExample.Options.defaults(azure).connectionString()).isEqualTo("InstrumentationKey=22222222-2222-3333-4444-555555555555");

    assertThatThrownBy(() -> OrdersExample.Options.parse(new String[] {"--rate", "0"}, none))
        .hasMessage("--rate must be positive: 0.0");
    assertThatThrownBy(() -> OrdersExample.Options.parse(new String[] {"--rate", "fast"}, none))
        .hasMessage("--rate must be a number: fast");
    assertThatThrownBy(() -> OrdersExample.Options.parse(new String[] {"--duration", "soon"}, none))
        .hasMessage("--duration must look like 30s, 500ms, 2m or 30: soon");
    assertThatThrownBy(() -> OrdersExample.Options.parse(new String[] {"--duration", "0s"}, none))
        .hasMessage("--duration must be positive: PT0S");
    assertThatThrownBy(() -> OrdersExample.Options.parse(new String[] {"--requests", "0"}, none))
        .hasMessage("--requests must be positive: 0");
    assertThatThrownBy(() -> OrdersExample.Options.parse(new String[] {"--connection-string", "secret"}, none))
        .hasMessage("--connection-string (or APPLICATIONINSIGHTS_CONNECTION_STRING): connection string segment 1"
            + " has no '=' (expected key=value)");
    assertThatThrownBy(() -> OrdersExample.Options.parse(new String[] {"--requests"}, none))
        .hasMessage("--requests needs a value");
    assertThatThrownBy(() -> OrdersExample.Options.parse(new String[] {"--verbose"}, none))
        .hasMessage("unknown option: --verbose");
  }

  private static List<TelemetryItem> requests(String role) {
    return result.received().stream()
        .filter(item -> item.type().equals("Request") && role.equals(item.tag("ai.cloud.role"))).toList();
  }

  private static List<TelemetryItem> requests(String role, String name) {
    return requests(role).stream().filter(item -> name.equals(item.name())).toList();
  }

  private static long count(List<TelemetryItem> items, String name, String responseCode) {
    return items.stream().filter(i -> name.equals(i.name()) && responseCode.equals(i.field("responseCode"))).count();
  }

  /** The items whose parent is {@code parent}, in the same operation, by start time. */
  private static List<TelemetryItem> childrenOf(TelemetryItem parent) {
    List<TelemetryItem> kids = new ArrayList<>(children.getOrDefault(Objects.requireNonNull(parent.id()), List.of()));
    assertThat(kids).allSatisfy(kid -> assertThat(kid.operationId()).isEqualTo(parent.operationId()));
    kids.sort(Comparator.comparing(kid -> kid.envelope().path("time").asText()));
    return kids;
  }

  private static TelemetryItem http(List<TelemetryItem> deps) {
    return deps.stream().filter(d -> "Http".equals(d.field("type"))).findFirst().orElseThrow();
  }
}
