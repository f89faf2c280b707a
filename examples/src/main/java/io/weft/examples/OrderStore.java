package io.weft.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.r2dbc.spi.Batch;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import io.weft.core.Tracer;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What the orders service does, whatever serves its HTTP: validates an order ({@code validate}, an in-process
 * span), saves it with its lines in one transaction while reserving the stock from inventory, and reads orders back
 * (with a slow path: a {@value #SLOW_MILLIS} ms {@code recalculate-shipping}). The reactor-netty service ({@link
 * OrdersService}) and the Spring Boot one ({@link io.weft.examples.spring.SpringOrdersService}) both serve it.
 */
public final class OrderStore {
  /** Orders inserted at start-up, ids 1 to this: what {@code GET /orders/{id}} can always find. */
  public static final int SEEDED_ORDERS = 20;
  public static final long SLOW_MILLIS = 200;
  public static final String INSERT_ORDER = "INSERT INTO orders (customer, total) VALUES ($1, $2)";
  public static final String INSERT_LINE =
      "INSERT INTO order_lines (order_id, line_no, sku, quantity, price) VALUES ($1, $2, $3, $4, $5)";
  public static final String SELECT_ORDER = "SELECT id, customer, total FROM orders WHERE id = $1";
  public static final String SELECT_LINES =
      "SELECT sku, quantity, price FROM order_lines WHERE order_id = $1 ORDER BY line_no";
  /** Unit prices; a SKU not listed here is invalid. */
  static final Map<String, BigDecimal> CATALOG = Map.of(
      "widget", new BigDecimal("9.99"),
      "gizmo", new BigDecimal("24.50"),
      "sprocket", new BigDecimal("3.75"),
      Stock.OFFLINE_SKU, new BigDecimal("1210.00"));

  private static final ObjectMapper JSON = HttpJson.JSON;
  /** Built once: its deserializers are resolved here, not under Jackson's cache lock on an event loop. */
  private static final ObjectReader ORDER_READER = JSON.readerFor(OrderRequest.class);

  /** Asks inventory to reserve an order's stock: the reply's body, or {@link InventoryUnavailable}. */
  @FunctionalInterface
  public interface Inventory {
    Mono<String> reserve(String body);
  }

  private final Tracer tracer;
  private final ConnectionFactory db;
  private final Inventory inventory;

  /** The body of {@code POST /orders}. */
  record OrderRequest(@Nullable String customer, @Nullable List<LineRequest> lines) {}

  /** One line of {@link OrderRequest}. */
  record LineRequest(@Nullable String sku, int quantity) {}

  /** A validated order: known SKUs, priced. */
  record Order(String customer, List<Line> lines, BigDecimal total) {}

  /** A validated, priced line. */
  record Line(String sku, int quantity, BigDecimal price) {}

  /** Orders kept in {@code db} (traced), their stock reserved through {@code inventory}. */
  public OrderStore(Tracer tracer, ConnectionFactory db, Inventory inventory) {
    this.tracer = tracer;
    this.db = db;
    this.inventory = inventory;
  }

  /**
   * Creates the schema and the {@value #SEEDED_ORDERS} seed orders through {@code h2} (pass the untraced factory:
   * setting up is not worth a trace), blocking the calling thread: call it from {@code main}.
   */
  public static void createSchema(ConnectionFactory h2) {
    createTables(h2);
  }

  /**
   * How many sessions the in-memory database has open, besides the one asking (untraced, blocking the calling
   * thread): after the load, a session still open points at a request that hung while holding its connection.
   */
  public static String openSessions(ConnectionFactory h2) {
    return Mono.usingWhen(h2.create(), c -> Flux.from(c.createStatement(
            "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS").execute())
            .flatMap(result -> result.map((row, meta) -> row.get(0, Long.class))).next(), Connection::close)
        .map(count -> (count - 1) + " sessions open")
        .onErrorResume(e -> Mono.just("sessions unknown (" + e + ")"))
        .defaultIfEmpty("sessions unknown")
        .blockOptional(Duration.ofSeconds(5)).orElse("sessions unknown");
  }

  private static void createTables(ConnectionFactory h2) {
    Mono.usingWhen(h2.create(), c -> {
      Batch batch = c.createBatch()
          .add("DROP TABLE IF EXISTS order_lines")
          .add("DROP TABLE IF EXISTS orders")
          .add("CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer VARCHAR(64) NOT NULL,"
              + " total DECIMAL(12, 2) NOT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)")
          .add("CREATE TABLE order_lines (order_id BIGINT NOT NULL REFERENCES orders (id), line_no INT NOT NULL,"
              + " sku VARCHAR(64) NOT NULL, quantity INT NOT NULL, price DECIMAL(12, 2) NOT NULL,"
              + " PRIMARY KEY (order_id, line_no))");
      for (int i = 1; i <= SEEDED_ORDERS; i++) {
        batch.add("INSERT INTO orders (customer, total) VALUES ('seed-" + i + "', 9.99)")
            .add("INSERT INTO order_lines VALUES (" + i + ", 1, 'widget', 1, 9.99)");
      }
      return Flux.from(batch.execute()).flatMap(Result::getRowsUpdated).then();
    }, Connection::close).block(Duration.ofSeconds(30));
  }

  /**
   * Validates {@code body} and saves the order: its id, or {@link InvalidOrder} (answer 400) or {@link
   * InventoryUnavailable} (answer 503; the transaction was rolled back).
   */
  public Mono<Long> create(String body) {
    return Mono.fromCallable(() -> validate(body)).transform(tracer.mono("validate")).flatMap(this::save);
  }

  static Order validate(String body) {
    OrderRequest request;
    try {
      request = ORDER_READER.readValue(body);
    } catch (JsonProcessingException e) {
      throw new InvalidOrder("not an order: " + e.getOriginalMessage());
    }
    String customer = request.customer();
    List<LineRequest> requested = request.lines();
    if (customer == null || customer.isBlank()) {
      throw new InvalidOrder("customer is required");
    }
    if (requested == null || requested.isEmpty()) {
      throw new InvalidOrder("an order needs at least one line");
    }
    List<Line> lines = new ArrayList<>(requested.size());
    BigDecimal total = BigDecimal.ZERO;
    for (LineRequest line : requested) {
      String sku = line.sku();
      BigDecimal price = sku == null ? null : CATALOG.get(sku);
      if (sku == null || price == null) {
        throw new InvalidOrder("unknown sku: " + sku);
      }
      if (line.quantity() < 1 || line.quantity() > 100) {
        throw new InvalidOrder("quantity must be 1 to 100: " + line.quantity());
      }
      lines.add(new Line(sku, line.quantity(), price));
      total = total.add(price.multiply(BigDecimal.valueOf(line.quantity())));
    }
    return new Order(customer, lines, total);
  }

  /** In one transaction: insert the order and its lines, reserve the stock; commit, or roll back on any error. */
  private Mono<Long> save(Order order) {
    return Mono.usingWhen(db.create(), c -> Mono.from(c.beginTransaction())
        .then(insertOrder(c, order))
        .flatMap(id -> insertLines(c, id, order).then(reserve(id, order)).thenReturn(id))
        .flatMap(id -> Mono.from(c.commitTransaction()).thenReturn(id))
        .onErrorResume(e -> Mono.from(c.rollbackTransaction()).then(Mono.error(e))),
        Connection::close);
  }

  private static Mono<Long> insertOrder(Connection c, Order order) {
    Statement insert = c.createStatement(INSERT_ORDER).bind(0, order.customer()).bind(1, order.total())
        .returnGeneratedValues("id");
    return Flux.from(insert.execute())
        .flatMap(result -> result.map((row, meta) -> row.get(0, Long.class)))
        .single();
  }

  private static Mono<Void> insertLines(Connection c, long orderId, Order order) {
    Statement insert = c.createStatement(INSERT_LINE);
    List<Line> lines = order.lines();
    for (int i = 0; i < lines.size(); i++) {
      if (i > 0) {
        insert.add();
      }
      Line line = lines.get(i);
      insert.bind(0, orderId).bind(1, i + 1).bind(2, line.sku()).bind(3, line.quantity()).bind(4, line.price());
    }
    return Flux.from(insert.execute()).flatMap(Result::getRowsUpdated).then();
  }

  private Mono<String> reserve(long orderId, Order order) {
    ObjectNode body = JSON.createObjectNode().put("orderId", orderId);
    ArrayNode lines = body.putArray("lines");
    order.lines().forEach(line -> lines.addObject().put("sku", line.sku()).put("quantity", line.quantity()));
    return inventory.reserve(body.toString());
  }

  /**
   * The order {@code id} as JSON, with its lines; on the slow path without lines but with a recalculated shipping
   * cost. Empty when there is no such order.
   */
  public Mono<String> read(long id, boolean slow) {
    Mono<ObjectNode> order = Mono.usingWhen(db.create(), c -> selectOrder(c, id)
        .flatMap(found -> slow ? Mono.just(found) : selectLines(c, id).map(lines -> {
          found.set("lines", lines);
          return found;
        })), Connection::close);
    if (slow) {
      order = order.flatMap(found -> Mono.delay(Duration.ofMillis(SLOW_MILLIS))
          .transform(tracer.spanBuilder("recalculate-shipping").attribute("order.id", id).mono())
          .map(ignored -> found.put("shipping", "4.90")));
    }
    return order.map(ObjectNode::toString);
  }

  private static Mono<ObjectNode> selectOrder(Connection c, long id) {
    return Flux.from(c.createStatement(SELECT_ORDER).bind(0, id).execute())
        .flatMap(result -> result.map((row, meta) -> JSON.createObjectNode()
            .put("id", row.get(0, Long.class))
            .put("customer", row.get(1, String.class))
            .put("total", row.get(2, BigDecimal.class))))
        .collectList()
        .flatMap(rows -> rows.isEmpty() ? Mono.empty() : Mono.just(rows.get(0)));
  }

  private static Mono<ArrayNode> selectLines(Connection c, long id) {
    return Flux.from(c.createStatement(SELECT_LINES).bind(0, id).execute())
        .flatMap(result -> result.map((row, meta) -> JSON.createObjectNode()
            .put("sku", row.get(0, String.class))
            .put("quantity", row.get(1, Integer.class))
            .put("price", row.get(2, BigDecimal.class))))
        .collect(JSON::createArrayNode, ArrayNode::add);
  }

  /** The order is invalid: answered 400. */
  public static final class InvalidOrder extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidOrder(String message) {
      super(message);
    }
  }

  /** Inventory refused the reservation: the transaction is rolled back and the order answered 503. */
  public static final class InventoryUnavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InventoryUnavailable(int status, String body) {
      super("inventory answered " + status + ": " + body);
    }
  }
}
