package io.weft.vertx;

import static io.weft.core.instrumentation.SemanticAttributes.DB_COLLECTION_NAME;
import static io.weft.core.instrumentation.SemanticAttributes.DB_NAMESPACE;
import static io.weft.core.instrumentation.SemanticAttributes.DB_OPERATION_NAME;
import static io.weft.core.instrumentation.SemanticAttributes.DB_QUERY_TEXT;
import static io.weft.core.instrumentation.SemanticAttributes.DB_RESPONSE_RETURNED_ROWS;
import static io.weft.core.instrumentation.SemanticAttributes.DB_RESPONSE_STATUS_CODE;
import static io.weft.core.instrumentation.SemanticAttributes.WEFT_DB_ROWS_AFFECTED;
import static io.weft.core.instrumentation.SemanticAttributes.DB_SYSTEM;
import static io.weft.core.instrumentation.SemanticAttributes.HTTP_REQUEST_METHOD;
import static io.weft.core.instrumentation.SemanticAttributes.HTTP_RESPONSE_STATUS_CODE;
import static io.weft.core.instrumentation.SemanticAttributes.SERVER_ADDRESS;
import static io.weft.core.instrumentation.SemanticAttributes.SERVER_PORT;
import static io.weft.testing.SpanAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.weft.core.Span;
import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.core.instrumentation.DbTracing;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.http.netty.ReactorNettyClientTracing;
import io.weft.http.netty.ReactorNettyServerTracing;
import io.weft.testing.EmbeddedPostgresServer;
import io.weft.testing.StrictSpanSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;

/**
 * Vert.x 5's HTTP server, WebClient and PostgreSQL client through Weft's tracer: a real Vert.x server on 127.0.0.1,
 * a real downstream reactor-netty server, a real PostgreSQL.
 */
class VertxTracingTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
  static final String CALLER = "b7ad6b7169203331";

  @RegisterExtension final StrictSpanSink spans = StrictSpanSink.create();
  final Tracer tracer = spans.tracer("vertx-service");
  final Map<String, Map<String, String>> downstreamHeaders = new ConcurrentHashMap<>();
  Vertx vertx;
  VertxTracing tracing;
  DisposableServer downstream;
  HttpServer server;
  WebClient web;
  Pool pool;
  int closedPort;

  @BeforeEach
  void start() throws Exception {
    tracing = VertxTracing.create(tracer);
    vertx = Vertx.builder().withTracer(tracing).build();
    downstream = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
        .route(routes -> routes.get("/ok", (req, res) -> {
          Map<String, String> headers = new HashMap<>();
          req.requestHeaders().forEach(e -> headers.put(e.getKey().toLowerCase(), e.getValue()));
          downstreamHeaders.put(req.requestHeaders().get("x-test-id", "none"), headers);
          return res.sendString(Mono.just("downstream"));
        }))
        .bindNow();
    DisposableServer gone = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0).bindNow();
    closedPort = gone.port();
    gone.disposeNow(TIMEOUT);
    web = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1"));
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4))
        .connectingTo(new PgConnectOptions().setHost(EmbeddedPostgresServer.HOST)
            .setPort(EmbeddedPostgresServer.port()).setDatabase("postgres").setUser("postgres"))
        .using(vertx).build();
    server = await(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(this::handle).listen());
  }

  @AfterEach
  void stop() throws Exception {
    downstream.disposeNow(TIMEOUT);
    await(vertx.close());
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  private void handle(HttpServerRequest request) {
    String id = request.getHeader("x-test-id");
    switch (request.path()) {
      case "/hello" -> request.response().end("hi");
      case "/fail" -> request.response().setStatusCode(500).end("failed");
      case "/call" -> web.get(downstream.port(), "127.0.0.1", "/ok").putHeader("x-test-id", id == null ? "none" : id)
          .send()
          .onSuccess(r -> request.response().end(r.bodyAsString()))
          .onFailure(e -> request.response().setStatusCode(502).end(e.toString()));
      case "/refused" -> web.get(closedPort, "127.0.0.1", "/x").send()
          .onSuccess(r -> request.response().end("?"))
          .onFailure(e -> request.response().setStatusCode(502).end("refused"));
      case "/db" -> pool.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'pg_catalog'").execute()
          .onSuccess(rows -> request.response().end("rows " + rows.iterator().next().getLong(0)))
          .onFailure(e -> request.response().setStatusCode(500).end(e.getMessage()));
      case "/dberror" -> pool.query("SELEC 1").execute()
          .onSuccess(rows -> request.response().end("?"))
          .onFailure(e -> request.response().setStatusCode(500).end(e.getMessage()));
      case "/both" -> pool.query("SELECT 1").execute()
          .compose(rows -> web.get(downstream.port(), "127.0.0.1", "/ok").putHeader("x-test-id", id).send())
          .onSuccess(r -> request.response().end("both"))
          .onFailure(e -> request.response().setStatusCode(500).end(e.toString()));
      case "/reactor" -> Mono.just("reactor").transform(tracer.mono("reactor-work"))
          .contextWrite(VertxTracing.reactorContext())
          .subscribe(text -> request.response().end(text), e -> request.response().setStatusCode(500).end());
      default -> request.response().setStatusCode(404).end();
    }
  }

  String get(String path, String traceparent, String testId) {
    return HttpClient.create().headers(h -> {
      if (traceparent != null) {
        h.set("traceparent", traceparent);
      }
      if (testId != null) {
        h.set("x-test-id", testId);
      }
    }).get().uri("http://127.0.0.1:" + server.actualPort() + path)
        .responseSingle((res, body) -> body.asString().defaultIfEmpty("").map(b -> res.status().code() + " " + b))
        .block(TIMEOUT);
  }

  Map<String, SpanData> take(int count) {
    Map<String, SpanData> byName = new HashMap<>();
    for (SpanData span : spans.take(count)) {
      assertThat(byName.put(span.name(), span)).as("two spans named " + span.name()).isNull();
    }
    return byName;
  }

  @Test
  void webClientCallIsAChildAndCarriesItsIds() {
    assertThat(get("/call", null, "call")).isEqualTo("200 downstream");
    Map<String, SpanData> ended = take(2);
    SpanData request = ended.get("GET /call");
    SpanData call = ended.get("GET /ok");
    assertThat(call).hasKind(SpanKind.CLIENT).hasParent(request)
        .hasAttribute(HTTP_REQUEST_METHOD, "GET")
        .hasAttribute(SERVER_ADDRESS, "127.0.0.1")
        .hasAttribute(SERVER_PORT, (long) downstream.port())
        .hasAttribute(HTTP_RESPONSE_STATUS_CODE, 200L);
    assertThat(downstreamHeaders.get("call")).containsEntry("traceparent",
        "00-" + call.traceId() + "-" + call.spanId() + "-01");
  }

  @Test
  void connectionRefusedShowsOnlyOnTheRequestSpan() {
    // Vert.x calls the tracer's sendRequest only once a request is written to a connection: a refused connection
    // never reaches the SPI, so there is no client span (vertx-opentelemetry has the same gap). The failure shows
    // on the request span, through the status the handler answers.
    assertThat(get("/refused", null, null)).isEqualTo("502 refused");
    assertThat(spans.take("GET /refused")).hasStatus(StatusCode.ERROR).hasAttribute(HTTP_RESPONSE_STATUS_CODE, 502L);
    assertThat(spans.pending()).isEmpty();
  }

  @Test
  void sqlQueryIsAChildSqlSpanWithSanitizedText() {
    assertThat(get("/db", null, null)).startsWith("200 rows ");
    Map<String, SpanData> ended = take(2);
    SpanData query = ended.get("SELECT pg_tables");
    assertThat(query).as(ended.keySet().toString()).isNotNull();
    assertThat(query).hasKind(SpanKind.CLIENT).hasParent(ended.get("GET /db"))
        .hasAttribute(DB_SYSTEM, "postgresql")
        .hasAttribute(DB_NAMESPACE, "postgres")
        .hasAttribute(DB_QUERY_TEXT, "SELECT count(*) FROM pg_tables WHERE schemaname = ?")
        .hasAttribute(DB_OPERATION_NAME, "SELECT")
        .hasAttribute(DB_COLLECTION_NAME, "pg_tables")
        .hasAttribute(SERVER_ADDRESS, EmbeddedPostgresServer.HOST)
        .hasAttribute(SERVER_PORT, (long) EmbeddedPostgresServer.port())
        .hasAttribute(DB_RESPONSE_RETURNED_ROWS, 1L);
  }

  @Test
  void updatesCountTheRowsTheyAffectedAndTheDatabaseSettingsAreTheSharedOnes() throws Exception {
    // The same DbTracing object R2DBC takes: statements recorded as written, spans named by the application.
    DbTracing db = DbTracing.builder(tracer).sanitizeQueryText(false)
        .spanNamer((system, operation, table, text) -> system + " " + operation).build();
    Vertx own = Vertx.builder().withTracer(VertxTracing.create(HttpTracing.create(tracer), db)).build();
    try {
      Pool ownPool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
          .connectingTo(new PgConnectOptions().setHost(EmbeddedPostgresServer.HOST)
              .setPort(EmbeddedPostgresServer.port()).setDatabase("postgres").setUser("postgres"))
          .using(own).build();
      Integer inserted = VertxTracing.mono(own, () -> ownPool.withConnection(connection -> connection
              .query("CREATE TEMP TABLE vertx_counts (x int)").execute()
              .compose(created -> connection.query("INSERT INTO vertx_counts VALUES (1), (2)").execute())))
          .map(rows -> rows.rowCount()).transform(tracer.mono("outer")).block(TIMEOUT);
      assertThat(inserted).isEqualTo(2);
      Map<String, SpanData> ended = take(3);
      assertThat(ended.get("postgresql INSERT")).as(ended.keySet().toString()).isNotNull();
      assertThat(ended.get("postgresql INSERT")).hasParent(ended.get("outer"))
          .hasAttribute(DB_QUERY_TEXT, "INSERT INTO vertx_counts VALUES (1), (2)")
          .hasAttribute(WEFT_DB_ROWS_AFFECTED, 2L)
          .doesNotHaveAttribute(DB_RESPONSE_RETURNED_ROWS);
      assertThat(ended.get("postgresql CREATE")).isNotNull();
      assertThat(db.failures()).isZero();
    } finally {
      await(own.close());
    }
  }

  @Test
  void sqlErrorIsAnErrorSpan() {
    assertThat(get("/dberror", null, null)).startsWith("500 ").contains("syntax error");
    Map<String, SpanData> ended = take(2);
    SpanData query = ended.get("postgresql");
    assertThat(query).as(ended.keySet().toString()).isNotNull();
    assertThat(query).hasStatus(StatusCode.ERROR).hasException(Throwable.class).hasParent(ended.get("GET /dberror"))
        .hasAttribute(DB_RESPONSE_STATUS_CODE, "42601"); // PostgreSQL's SQLSTATE for a syntax error
  }

  @Test
  void reactorPipelineInAHandlerIsAChildOfTheRequest() {
    assertThat(get("/reactor", null, null)).isEqualTo("200 reactor");
    Map<String, SpanData> ended = take(2);
    assertThat(ended.get("reactor-work")).hasParent(ended.get("GET /reactor"));
  }

  @Test
  void vertxCallFromATracedMonoIsItsChild() {
    String body = VertxTracing.mono(vertx, () -> web.get(downstream.port(), "127.0.0.1", "/ok")
            .putHeader("x-test-id", "mono").send())
        .map(r -> r.bodyAsString())
        .transform(tracer.mono("outer"))
        .block(TIMEOUT);
    assertThat(body).isEqualTo("downstream");
    Map<String, SpanData> ended = take(2);
    assertThat(ended.get("GET /ok")).hasParent(ended.get("outer"));
    assertThat(downstreamHeaders.get("mono").get("traceparent")).contains(ended.get("outer").traceId());
  }

  @Test
  void clientCallWithoutACurrentSpanIsNotTracedUnderThePropagatePolicy() throws Exception {
    String body = await(web.get(downstream.port(), "127.0.0.1", "/ok").putHeader("x-test-id", "nospan").send())
        .bodyAsString();
    assertThat(body).isEqualTo("downstream");
    assertThat(downstreamHeaders.get("nospan")).doesNotContainKey("traceparent");
    assertThat(spans.pending()).isEmpty();
    assertThat(VertxTracing.currentSpan().context().isValid()).isFalse();
  }

  @Test
  void propagationChainVertxToReactorNettyToVertx() {
    Tracer nettyTracer = Tracer.builder().serviceName("netty-service").exporter(spans).build();
    HttpClient tracedClient = ReactorNettyClientTracing.create(nettyTracer).decorate(HttpClient.create());
    DisposableServer middle = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
        .handle(ReactorNettyServerTracing.create(nettyTracer).routes(routes -> routes.get("/middle", (req, res) ->
            res.sendString(tracedClient.get().uri("http://127.0.0.1:" + server.actualPort() + "/hello")
                .responseSingle((r, b) -> b.asString())))))
        .bindNow();
    try {
      String body = VertxTracing.mono(vertx, () -> web.get(middle.port(), "127.0.0.1", "/middle").send())
          .map(r -> r.bodyAsString())
          .transform(tracer.mono("start"))
          .block(TIMEOUT);
      assertThat(body).isEqualTo("hi");
      List<SpanData> all = spans.take(5);
      Map<String, SpanData> byKey = new HashMap<>();
      all.forEach(s -> byKey.put(s.name() + "@" + s.resource().serviceName() + "/" + s.kind(), s));
      SpanData start = byKey.get("start@vertx-service/INTERNAL");
      SpanData vertxClient = byKey.get("GET /middle@vertx-service/CLIENT");
      SpanData nettyServer = byKey.get("GET /middle@netty-service/SERVER");
      SpanData nettyClient = byKey.get("GET /hello@netty-service/CLIENT");
      SpanData vertxServer = byKey.get("GET /hello@vertx-service/SERVER");
      assertThat(List.of(start, vertxClient, nettyServer, nettyClient, vertxServer)).as(byKey.keySet().toString())
          .doesNotContainNull().allSatisfy(s -> assertThat(s.traceId()).isEqualTo(start.traceId()));
      assertThat(vertxClient).hasParent(start);
      assertThat(nettyServer).hasParent(vertxClient);
      assertThat(nettyClient).hasParent(nettyServer);
      assertThat(vertxServer).hasParent(nettyClient);
    } finally {
      middle.disposeNow(TIMEOUT);
    }
  }

  @Test
  void thousandConcurrentRequestsKeepTheirChildrenApart() {
    int n = 1_000;
    Flux.range(0, n).flatMap(i -> Mono.fromCallable(() -> get("/both", null, "r" + i))
            .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic()), 64)
        .collectList().block(Duration.ofSeconds(120));
    Map<String, SpanData> servers = new HashMap<>();
    List<SpanData> children = new ArrayList<>();
    for (SpanData span : spans.take(3 * n)) {
      if (span.kind() == SpanKind.SERVER) {
        servers.put(span.spanId(), span);
      } else {
        children.add(span);
      }
    }
    assertThat(servers).hasSize(n);
    Map<String, List<String>> childrenByParent = new HashMap<>();
    for (SpanData child : children) {
      SpanData parent = servers.get(child.parentSpanId());
      assertThat(parent).as("parent of " + child.name()).isNotNull();
      assertThat(child.traceId()).isEqualTo(parent.traceId());
      childrenByParent.computeIfAbsent(parent.spanId(), k -> new ArrayList<>()).add(child.name());
    }
    assertThat(childrenByParent).hasSize(n)
        .allSatisfy((parent, names) -> assertThat(names).containsExactlyInAnyOrder("SELECT", "GET /ok"));
    // Every downstream call carried its own request's trace.
    for (int i = 0; i < n; i++) {
      String traceparent = downstreamHeaders.get("r" + i).get("traceparent");
      SpanData client = children.stream().filter(c -> traceparent.contains(c.spanId())).findFirst().orElseThrow();
      assertThat(traceparent).contains(client.traceId());
    }
    assertThat(tracing.failures()).isZero();
    assertThat(Span.current().context().isValid()).isFalse();
  }
}
