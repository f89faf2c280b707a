package io.weft.examples;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.weft.core.Tracer;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.http.netty.ReactorNettyClientTracing;
import io.weft.http.netty.ReactorNettyServerTracing;
import io.weft.r2dbc.R2dbcTracing;
import java.time.Duration;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.ConnectionProvider;

/**
 * The "orders" service: a reactor-netty {@code HttpServer} over an in-memory H2 database (R2DBC) that
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
 *   <li>{@code GET /orders/{id}/slow}: the same read of the order, then a {@value OrderStore#SLOW_MILLIS} ms recalculation
 *       ({@code recalculate-shipping}, a {@code Mono.delay}): the slow path.
 * </ul>
 *
 * <p>No handler blocks its event loop: bodies are aggregated reactively, R2DBC and the HTTP client are reactive and
 * the delay is a timer. (r2dbc-h2 runs the in-memory engine on the subscribing thread: CPU work, no I/O.)
 */
final class OrdersService implements OrdersServer {
  /** The R2DBC URL of the database: in memory, kept until the JVM exits. */
  static final String DATABASE_URL = "r2dbc:h2:mem:///orders?options=DB_CLOSE_DELAY=-1";

  private final OrderStore store;
  private final ConnectionFactory h2;
  private final ConnectionProvider connections;
  private final HttpClient inventory;
  private final DisposableServer server;

  private OrdersService(Tracer tracer, String inventoryUrl) {
    ConnectionFactoryOptions options = ConnectionFactoryOptions.parse(DATABASE_URL);
    this.h2 = ConnectionFactories.get(options);
    OrderStore.createSchema(h2);
    // No connection pool: an in-memory H2 session costs next to nothing to open, and r2dbc-pool over r2dbc-h2 on
    // event loops loses a request now and then (see OrderStore#openSessions and the examples README). With a pool,
    // wrap the pool, so that only the application's own calls become spans. The options give db.namespace.
    ConnectionFactory db = R2dbcTracing.create(tracer).wrap(h2, options);
    this.connections = ConnectionProvider.builder("orders-to-inventory").maxConnections(256)
        .pendingAcquireMaxCount(-1).build();
    // One set of HTTP settings for the outgoing and the incoming side alike.
    HttpTracing http = HttpTracing.create(tracer);
    this.inventory = ReactorNettyClientTracing.create(http)
        .decorate(HttpClient.create(connections).baseUrl(inventoryUrl));
    this.store = new OrderStore(tracer, db, this::reserve);
    this.server = HttpServer.create().host("127.0.0.1").port(0)
        .handle(ReactorNettyServerTracing.create(http).routes(routes -> routes
            .post("/orders", this::create)
            .get("/orders/{id}/slow", (req, res) -> read(req, res, true))
            .get("/orders/{id}", (req, res) -> read(req, res, false))))
        .bindNow();
  }

  /**
   * Creates the schema and the seed orders (untraced, blocking the calling thread: call it from {@code main}), then
   * binds 127.0.0.1 on a free port.
   */
  static OrdersService start(Tracer tracer, String inventoryUrl) {
    return new OrdersService(tracer, inventoryUrl);
  }

  /** Where the service listens, without a trailing slash: {@code http://127.0.0.1:PORT}. */
  @Override
  public String baseUrl() {
    return "http://127.0.0.1:" + server.port();
  }

  private Publisher<Void> create(HttpServerRequest request, HttpServerResponse response) {
    return request.receive().aggregate().asString().defaultIfEmpty("")
        .flatMap(store::create)
        .flatMap(id -> HttpJson.send(response, HttpResponseStatus.CREATED, "{\"id\":" + id + "}"))
        .onErrorResume(OrderStore.InvalidOrder.class, e -> HttpJson.send(response,
            HttpResponseStatus.BAD_REQUEST, HttpJson.error(e.getMessage())))
        .onErrorResume(OrderStore.InventoryUnavailable.class, e -> HttpJson.send(response,
            HttpResponseStatus.SERVICE_UNAVAILABLE, HttpJson.error(e.getMessage())));
  }

  private Mono<String> reserve(String body) {
    return inventory.post().uri("/reserve")
        .send(ByteBufFlux.fromString(Mono.just(body)))
        .responseSingle((response, content) -> content.asString().defaultIfEmpty("").flatMap(text ->
            response.status().code() == 200 ? Mono.just(text)
                : Mono.<String>error(new OrderStore.InventoryUnavailable(response.status().code(), text))));
  }

  private Publisher<Void> read(HttpServerRequest request, HttpServerResponse response, boolean slow) {
    long id;
    try {
      id = Long.parseLong(String.valueOf(request.param("id")));
    } catch (NumberFormatException e) {
      return HttpJson.send(response, HttpResponseStatus.BAD_REQUEST,
          HttpJson.error("not an order id: " + request.param("id")));
    }
    return store.read(id, slow)
        .map(found -> HttpJson.send(response, HttpResponseStatus.OK, found))
        .defaultIfEmpty(Mono.defer(() -> HttpJson.send(response, HttpResponseStatus.NOT_FOUND,
            HttpJson.error("no order " + id))))
        .flatMap(reply -> reply);
  }

  @Override
  public String databaseState() {
    return OrderStore.openSessions(h2);
  }

  /** Stops serving, then closes the HTTP client's connections (blocking, bounded). */
  @Override
  public void close() {
    server.disposeNow(Duration.ofSeconds(5));
    connections.disposeLater().block(Duration.ofSeconds(5));
  }
}
