package io.weft.http;

import static io.weft.testing.SpanAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.ContextKeys;
import io.weft.core.Span;
import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.testing.StrictSpanSink;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.util.function.Tuple2;
import reactor.util.function.Tuples;

/** The reactor-netty server decorator: incoming spans, W3C extraction edge cases, errors, children, options. */
class HttpServerTracingTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
  static final String CALLER = "b7ad6b7169203331";

  @RegisterExtension final StrictSpanSink spans = StrictSpanSink.create();
  final Tracer tracer = spans.tracer("server-service");
  /** What the handler saw as its current span, keyed by request id. */
  final Map<String, Span> seen = new ConcurrentHashMap<>();
  private DisposableServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.disposeNow(TIMEOUT);
    }
  }

  int start(HttpServerTracing tracing) {
    server = HttpServer.create().host("127.0.0.1").port(0)
        .handle(tracing.routes(routes -> routes
            .get("/orders/{id}", (req, res) -> Mono.deferContextual(ctx -> {
              seen.put(req.param("id"), Span.fromContext(ctx));
              return res.sendString(Mono.just("order " + req.param("id"))).then();
            }))
            .post("/orders", (req, res) -> res.status(201).send())
            .get("/boom", (req, res) -> Mono.error(new IllegalStateException("handler failed")))
            .get("/teapot", (req, res) -> res.status(418).send())))
        .bindNow();
    return server.port();
  }

  Tuple2<Integer, String> call(int port, String path, Consumer<io.netty.handler.codec.http.HttpHeaders> headers) {
    return HttpClient.create().headers(headers).get().uri("http://127.0.0.1:" + port + path)
        .responseSingle((res, body) -> body.asString().defaultIfEmpty("")
            .map(text -> Tuples.of(res.status().code(), text + "|" + res.responseHeaders().get("traceresponse", ""))))
        .block(TIMEOUT);
  }

  @Test
  void incomingRequestContinuesTheCallersTraceWithTheRouteTemplate() {
    int port = start(HttpServerTracing.create(tracer));
    Tuple2<Integer, String> answer = call(port, "/orders/42?secret=x",
        h -> h.set("traceparent", "00-" + TRACE + "-" + CALLER + "-01").set("tracestate", "vendor=abc")
            .set("User-Agent", "weft-test"));
    assertThat(answer.getT1()).isEqualTo(200);
    SpanData span = spans.take("GET /orders/{id}");
    assertThat(span).hasKind(SpanKind.SERVER).hasStatus(StatusCode.UNSET)
        .hasAttribute("http.request.method", "GET")
        .hasAttribute("http.route", "/orders/{id}")
        .hasAttribute("url.path", "/orders/42")
        .hasAttribute("url.full", "http://127.0.0.1:" + port + "/orders/42?secret=REDACTED")
        .hasAttribute("client.address", "127.0.0.1")
        .hasAttribute("user_agent.original", "weft-test")
        .hasAttribute("http.response.status_code", 200L);
    assertThat(span.traceId()).isEqualTo(TRACE);
    assertThat(span.parentSpanId()).isEqualTo(CALLER);
    assertThat(seen.get("42").context().spanId()).as("the span is current in the handler").isEqualTo(span.spanId());
    assertThat(seen.get("42").context().traceState()).isEqualTo("vendor=abc");
  }

  @Test
  void clientAddressFollowsForwardedHeadersOnOneKeptAliveConnection() {
    server = HttpServer.create().host("127.0.0.1").port(0).forwarded(true)
        .handle(HttpServerTracing.create(tracer).routes(routes -> routes
            .get("/orders/{id}", (req, res) -> res.sendString(Mono.just("order")))))
        .bindNow();
    reactor.netty.resources.ConnectionProvider single = reactor.netty.resources.ConnectionProvider.create("single", 1);
    java.util.Set<Object> channels = ConcurrentHashMap.newKeySet();
    try {
      HttpClient client = HttpClient.create(single).doOnRequest((req, c) -> channels.add(c.channel().id()));
      String[] forwardedFor = {null, "203.0.113.7", "198.51.100.2", null, "203.0.113.7"};
      for (String address : forwardedFor) {
        client.headers(h -> {
          if (address != null) {
            h.set("X-Forwarded-For", address);
          }
        }).get().uri("http://127.0.0.1:" + server.port() + "/orders/1").responseSingle((res, body) -> body.asString())
            .block(TIMEOUT);
        assertThat(spans.take("GET /orders/{id}"))
            .hasAttribute("client.address", address != null ? address : "127.0.0.1");
      }
      assertThat(channels).as("every request on one connection").hasSize(1);
    } finally {
      single.disposeLater().block(TIMEOUT);
    }
  }

  @Test
  void headerEdgeCases() {
    int port = start(HttpServerTracing.create(tracer));
    // Missing: a new trace.
    call(port, "/orders/1", h -> { });
    assertThat(spans.take("GET /orders/{id}")).hasNoParent();
    // Invalid (all-zero trace id): ignored, a new trace.
    call(port, "/orders/2", h -> h.set("traceparent", "00-" + "0".repeat(32) + "-" + CALLER + "-01"));
    SpanData invalid = spans.take("GET /orders/{id}");
    assertThat(invalid).hasNoParent();
    assertThat(invalid.traceId()).isNotEqualTo("0".repeat(32));
    // Upper-case header name: headers are case-insensitive.
    call(port, "/orders/3", h -> h.set("TRACEPARENT", "00-" + TRACE + "-" + CALLER + "-01"));
    assertThat(spans.take("GET /orders/{id}").traceId()).isEqualTo(TRACE);
    // Upper-case hex in the value: invalid per W3C, ignored.
    call(port, "/orders/4", h -> h.set("traceparent", "00-" + TRACE.toUpperCase() + "-" + CALLER + "-01"));
    assertThat(spans.take("GET /orders/{id}")).hasNoParent();
    // A future version with an extra field: read by its first four fields.
    call(port, "/orders/5", h -> h.set("traceparent", "cc-" + TRACE + "-" + CALLER + "-01-what-the-future"));
    assertThat(spans.take("GET /orders/{id}").parentSpanId()).isEqualTo(CALLER);
    // Over 32 tracestate members: tracestate dropped, traceparent kept.
    StringBuilder state = new StringBuilder();
    for (int i = 0; i < 33; i++) {
      state.append(i == 0 ? "" : ",").append("k").append(i).append("=v");
    }
    call(port, "/orders/6", h -> h.set("traceparent", "00-" + TRACE + "-" + CALLER + "-01")
        .set("tracestate", state.toString()));
    assertThat(spans.take("GET /orders/{id}").traceId()).isEqualTo(TRACE);
    assertThat(seen.get("6").context().traceState()).isNull();
    // Two traceparent headers: ambiguous, ignored (W3C), a new trace.
    String traceparent = "00-" + TRACE + "-" + CALLER + "-01";
    call(port, "/orders/8", h -> h.add("traceparent", traceparent).add("traceparent", traceparent));
    assertThat(spans.take("GET /orders/{id}")).hasNoParent();
    // tracestate split over several headers: joined in arrival order.
    call(port, "/orders/9", h -> h.set("traceparent", traceparent).add("tracestate", "a=1").add("tracestate", "b=2")
        .add("tracestate", "c=3"));
    assertThat(spans.take("GET /orders/{id}").parentSpanId()).isEqualTo(CALLER);
    assertThat(seen.get("9").context().traceState()).isEqualTo("a=1,b=2,c=3");
    // One tracestate header: kept as it came.
    call(port, "/orders/10", h -> h.set("traceparent", traceparent).set("tracestate", "a=1"));
    assertThat(spans.take("GET /orders/{id}").parentSpanId()).isEqualTo(CALLER);
    assertThat(seen.get("10").context().traceState()).isEqualTo("a=1");
  }

  @Test
  void unsampledCallerMeansNoServerSpanButAnUnsampledContextForChildren() {
    int port = start(HttpServerTracing.create(tracer));
    call(port, "/orders/7", h -> h.set("traceparent", "00-" + TRACE + "-" + CALLER + "-00"));
    assertThat(seen.get("7").context().traceId()).isEqualTo(TRACE);
    assertThat(seen.get("7").context().isSampled()).isFalse();
    assertThat(spans.pending()).isEmpty();
  }

  @Test
  void unmatchedRequestIsTracedByPathAndClientErrorsAreNotFailuresByDefault() {
    int port = start(HttpServerTracing.create(tracer));
    assertThat(call(port, "/nowhere?x=1", h -> { }).getT1()).isEqualTo(404);
    assertThat(spans.take("GET /nowhere")).hasStatus(StatusCode.UNSET).hasAttribute("http.response.status_code", 404L)
        .doesNotHaveAttribute("http.route");
    assertThat(call(port, "/teapot", h -> { }).getT1()).isEqualTo(418);
    assertThat(spans.take("GET /teapot")).hasStatus(StatusCode.UNSET);
  }

  @Test
  void clientErrorsFailWhenAskedFor() {
    int port = start(HttpServerTracing.builder(tracer).clientErrorsFail(true).build());
    call(port, "/teapot", h -> { });
    assertThat(spans.take("GET /teapot")).hasStatus(StatusCode.ERROR).hasAttribute("error.type", "418");
  }

  @Test
  void handlerErrorIsA500SpanWithTheExceptionAndTheResponseStillCompletes() {
    int port = start(HttpServerTracing.create(tracer));
    assertThat(call(port, "/boom", h -> { }).getT1()).isEqualTo(500);
    assertThat(spans.take("GET /boom")).hasStatus(StatusCode.ERROR).hasException(IllegalStateException.class)
        .hasAttribute("http.response.status_code", 500L)
        .hasAttribute("error.type", IllegalStateException.class.getName());
    // The server keeps serving.
    assertThat(call(port, "/orders/8", h -> { }).getT1()).isEqualTo(200);
    spans.take("GET /orders/{id}");
  }

  @Test
  void traceResponseHeaderOnlyWhenEnabled() {
    int port = start(HttpServerTracing.builder(tracer).traceResponse(true).build());
    String body = call(port, "/orders/9", h -> h.set("traceparent", "00-" + TRACE + "-" + CALLER + "-01")).getT2();
    SpanData span = spans.take("GET /orders/{id}");
    assertThat(body).isEqualTo("order 9|00-" + TRACE + "-" + span.spanId() + "-01");
    stop();
    port = start(HttpServerTracing.create(tracer));
    assertThat(call(port, "/orders/10", h -> { }).getT2()).isEqualTo("order 10|");
    spans.take("GET /orders/{id}");
  }

  @Test
  void otherMethodsAndPlainHandlers() {
    int port = start(HttpServerTracing.create(tracer));
    Integer created = HttpClient.create().post().uri("http://127.0.0.1:" + port + "/orders")
        .responseSingle((res, body) -> Mono.just(res.status().code())).block(TIMEOUT);
    assertThat(created).isEqualTo(201);
    assertThat(spans.take("POST /orders")).hasAttribute("http.route", "/orders")
        .hasAttribute("http.response.status_code", 201L);
    stop();
    server = HttpServer.create().host("127.0.0.1").port(0)
        .handle(HttpServerTracing.create(tracer).handler((req, res) -> res.sendString(Mono.just("plain"))))
        .bindNow();
    call(server.port(), "/any/path?q=1", h -> { });
    assertThat(spans.take("GET /any/path")).doesNotHaveAttribute("http.route")
        .hasAttribute("url.path", "/any/path");
    assertThat(ContextKeys.SPAN).isEqualTo("weft.span");
  }
}
