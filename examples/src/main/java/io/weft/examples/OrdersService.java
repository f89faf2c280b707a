package io.weft.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.Batch;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import io.weft.core.Tracer;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.http.netty.ReactorNettyClientTracing;
import io.weft.http.netty.ReactorNettyServerTracing;
import io.weft.r2dbc.R2dbcTracing;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.ConnectionProvider;

/**
 * The "orders" service: a reactor-netty {@code HttpServer} over an in-memory H2 database (R2DBC, pooled) that
 * reserves stock from the {@link InventoryService} over HTTP. Everything it does is traced with one tracer (cloud
 * role {@code orders}): each request is a SERVER span, validation and the slow recalculation are in-process spans,
 * every statement and transaction step a SQL dependency, and the call to inventory an HTTP dependency that carries
 * {@code traceparent}, so inventory's spans join the same trace.
 *
 * <ul>
 *   <li>{@code POST /orders} {@code {"customer": "c-1", "lines": [{"sku": "widget", "quantity": 2}]}}: validates
 *       ({@code validate}), then in one transaction inserts the order and its lines and reserves the stock; 201
 *       {@code {"id": 21}}. When inventory refuses (a line for {@link Stock#OFFLINE_SKU}) the transaction is rolled
 *       back and the answer is 503: the error path. Invalid orders get 400.
 *   <li>{@code GET /orders/{id}}: reads the order and its lines (two SELECTs); 404 when unknown.
 *   <li>{@code GET /orders/{id}/slow}: the same read of the order, then a {@value #SLOW_MILLIS} ms recalculation
 *       ({@code recalculate-shipping}, a {@code Mono.delay}): the slow path.
 * </ul>
 *
 * <p>No handler blocks its event loop: bodies are aggregated reactively, R2DBC and the HTTP client are reactive and
 * the delay is a timer. (r2dbc-h2 runs the in-memory engine on the subscribing thread: CPU work, no I/O.)
 */
final class OrdersService implements AutoCloseable {
  /** The R2DBC URL of the database: in memory, kept until the JVM exits. */
  static final String DATABASE_URL = "r2dbc:h2:mem:///orders?options=DB_CLOSE_DELAY=-1";
  /** Orders inserted at start-up, ids 1 to this: what {@code GET /orders/{id}} can always find. */
  static final int SEEDED_ORDERS = 20;
  static final long SLOW_MILLIS = 200;
  static final String INSERT_ORDER = "INSERT INTO orders (customer, total) VALUES ($1, $2)";
  static final String INSERT_LINE =
      "INSERT INTO order_lines (order_id, line_no, sku, quantity, price) VALUES ($1, $2, $3, $4, $5)";
  static final String SELECT_ORDER = "SELECT id, customer, total FROM orders WHERE id = $1";
  static final String SELECT_LINES =
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

  private final Tracer tracer;
  private final ConnectionPool pool;
  private final ConnectionFactory db;
  private final ConnectionProvider connections;
  private final HttpClient inventory;
  private final DisposableServer server;

  /** The body of {@code POST /orders}. */
  record OrderRequest(@Nullable String customer, @Nullable List<LineRequest> lines) {}

  /** One line of {@link OrderRequest}. */
  record LineRequest(@Nullable String sku, int quantity) {}

  /** A validated order: known SKUs, priced. */
  record Order(String customer, List<Line> lines, BigDecimal total) {}

  /** A validated, priced line. */
  record Line(String sku, int quantity, BigDecimal price) {}

  private OrdersService(Tracer tracer, String inventoryUrl) {
    this.tracer = tracer;
    ConnectionFactoryOptions options = ConnectionFactoryOptions.parse(DATABASE_URL);
    ConnectionFactory h2 = ConnectionFactories.get(options);
    createSchema(h2);
    this.pool = new ConnectionPool(ConnectionPoolConfiguration.builder(h2).maxSize(16).build());
    // The tracing decorator goes outside the pool, so only the application's own calls become spans (not the
    // pool's validation and reset); the options give db.namespace ("orders"), the pool is looked through for h2.
    this.db = R2dbcTracing.create(tracer).wrap(pool, options);
    this.connections = ConnectionProvider.builder("orders-to-inventory").maxConnections(256)
        .pendingAcquireMaxCount(-1).build();
    // One set of HTTP settings for the outgoing and the incoming side alike.
    HttpTracing http = HttpTracing.create(tracer);
    this.inventory = ReactorNettyClientTracing.create(http)
        .decorate(HttpClient.create(connections).baseUrl(inventoryUrl));
    this.server = HttpServer.create().host("127.0.0.1").port(0)
        .handle(ReactorNettyServerTracing.create(http).routes(routes -> routes
            .post("/orders", this::create)
            .get("/orders/{id}/slow", (req, res) -> read(req, res, true))
            .get("/orders/{id}", (req, res) -> read(req, res, false))))
        .bindNow();
  }

  /**
   * Creates the schema and the {@value #SEEDED_ORDERS} seed orders (untraced, blocking the calling thread: call it
   * from {@code main}), then binds 127.0.0.1 on a free port.
   */
  static OrdersService start(Tracer tracer, String inventoryUrl) {
    return new OrdersService(tracer, inventoryUrl);
  }

  /** Where the service listens, without a trailing slash: {@code http://127.0.0.1:PORT}. */
  String baseUrl() {
    return "http://127.0.0.1:" + server.port();
  }

  private static void createSchema(ConnectionFactory h2) {
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

  private Publisher<Void> create(HttpServerRequest request, HttpServerResponse response) {
    return request.receive().aggregate().asString().defaultIfEmpty("")
        .flatMap(body -> Mono.fromCallable(() -> validate(body)).transform(tracer.mono("validate")))
        .flatMap(this::save)
        .flatMap(id -> HttpJson.send(response, HttpResponseStatus.CREATED, "{\"id\":" + id + "}"))
        .onErrorResume(InvalidOrder.class, e -> HttpJson.send(response,
            HttpResponseStatus.BAD_REQUEST, HttpJson.error(e.getMessage())))
        .onErrorResume(InventoryUnavailable.class, e -> HttpJson.send(response,
            HttpResponseStatus.SERVICE_UNAVAILABLE, HttpJson.error(e.getMessage())));
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
    return inventory.post().uri("/reserve")
        .send(ByteBufFlux.fromString(Mono.just(body.toString())))
        .responseSingle((response, content) -> content.asString().defaultIfEmpty("").flatMap(text ->
            response.status().code() == 200 ? Mono.just(text)
                : Mono.<String>error(new InventoryUnavailable(response.status().code(), text))));
  }

  private Publisher<Void> read(HttpServerRequest request, HttpServerResponse response, boolean slow) {
    long id;
    try {
      id = Long.parseLong(String.valueOf(request.param("id")));
    } catch (NumberFormatException e) {
      return HttpJson.send(response, HttpResponseStatus.BAD_REQUEST,
          HttpJson.error("not an order id: " + request.param("id")));
    }
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
    return order
        .map(found -> HttpJson.send(response, HttpResponseStatus.OK, found.toString()))
        .defaultIfEmpty(Mono.defer(() -> HttpJson.send(response, HttpResponseStatus.NOT_FOUND,
            HttpJson.error("no order " + id))))
        .flatMap(reply -> reply);
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

  /** The database pool's state: after the load, anything acquired or waiting points at a request that hung there. */
  String poolState() {
    return pool.getMetrics().map(m -> String.format(Locale.ROOT,
        "%d acquired, %d idle, %d allocated (max %d), %d waiting to acquire", m.acquiredSize(), m.idleSize(),
        m.allocatedSize(), m.getMaxAllocatedSize(), m.pendingAcquireSize())).orElse("no metrics");
  }

  /** Stops serving, then closes the HTTP client's connections and the database pool (blocking, bounded). */
  @Override
  public void close() {
    server.disposeNow(Duration.ofSeconds(5));
    connections.disposeLater().block(Duration.ofSeconds(5));
    pool.disposeLater().block(Duration.ofSeconds(5));
  }

  /** The order is invalid: answered 400. */
  static final class InvalidOrder extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidOrder(String message) {
      super(message);
    }
  }

  /** Inventory refused the reservation: the transaction is rolled back and the order answered 503. */
  static final class InventoryUnavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InventoryUnavailable(int status, String body) {
      super("inventory answered " + status + ": " + body);
    }
  }
}
