package io.weft.http.netty;

import static io.weft.core.instrumentation.SemanticAttributes.ERROR_TYPE;
import static io.weft.core.instrumentation.SemanticAttributes.HTTP_REQUEST_RESEND_COUNT;
import static io.weft.core.instrumentation.SemanticAttributes.HTTP_RESPONSE_STATUS_CODE;
import static io.weft.core.instrumentation.SemanticAttributes.HTTP_ROUTE;
import static io.weft.core.instrumentation.SemanticAttributes.SERVER_ADDRESS;
import static io.weft.core.instrumentation.SemanticAttributes.SERVER_PORT;
import static io.weft.core.instrumentation.SemanticAttributes.URL_FULL;
import static io.weft.testing.SpanAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.timeout.ReadTimeoutException;
import io.weft.core.StatusCode;
import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.testing.StrictSpanSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * What only reactor-netty's client has, against a real loopback server: a span per redirect hop and per retry,
 * response timeouts, the span ending at the body's last byte or at cancellation mid-body, route templates in the
 * Reactor context, pooled connections shared by requests to different URLs. What every HTTP client shares is {@link
 * ReactorNettyClientSuiteTest}.
 */
class ReactorNettyClientTracingTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static TestServer server;

  @RegisterExtension final StrictSpanSink spans = StrictSpanSink.create();
  final Tracer tracer = spans.tracer("client-service");
  final HttpClient client = ReactorNettyClientTracing.create(tracer).decorate(HttpClient.create());

  @BeforeAll
  static void start() {
    server = new TestServer();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /**
   * The next {@code count} spans by name, in any order: reactor-netty reports a response complete after the caller
   * has its value, so a client span may end just after its parent.
   */
  Map<String, SpanData> take(int count) {
    Map<String, SpanData> byName = new HashMap<>();
    for (SpanData span : spans.take(count)) {
      assertThat(byName.put(span.name(), span)).as("two spans named " + span.name()).isNull();
    }
    return byName;
  }

  static Mono<Integer> status(HttpClient client, String url, String testId) {
    return client.headers(h -> h.set("x-test-id", testId)).get().uri(url)
        .responseSingle((res, body) -> body.asString().defaultIfEmpty("").thenReturn(res.status().code()));
  }

  @Test
  void eachRedirectHopIsItsOwnSpan() {
    Integer code = status(client.followRedirect(true), server.url("/redirect"), "r")
        .transform(tracer.mono("parent")).block(TIMEOUT);
    assertThat(code).isEqualTo(200);
    Map<String, SpanData> ended = take(3);
    SpanData hop = ended.get("GET /redirect");
    SpanData target = ended.get("GET /ok");
    SpanData parent = ended.get("parent");
    assertThat(hop).hasParent(parent).hasAttribute(HTTP_RESPONSE_STATUS_CODE, 301L).hasStatus(StatusCode.UNSET);
    assertThat(target).hasParent(parent).hasAttribute(HTTP_RESPONSE_STATUS_CODE, 200L)
        .hasAttribute(HTTP_REQUEST_RESEND_COUNT, 1L);
  }

  @Test
  void eachRetryIsItsOwnSpan() {
    // The first attempt's connection is closed before any response. reactor-netty retries by itself only when a
    // pooled connection turns out closed before the request is sent (not deterministic to provoke); an application
    // retry re-subscribes. Both go through the same per-attempt hook, so each attempt is a span.
    java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
    DisposableServer flaky = HttpServer.create().host("127.0.0.1").port(0)
        .route(routes -> routes.get("/flaky", (req, res) -> {
          if (attempts.incrementAndGet() == 1) {
            req.withConnection(connection -> connection.channel().close());
            return Mono.never();
          }
          return res.sendString(Mono.just("second time"));
        }))
        .bindNow();
    try {
      Integer code = status(client, "http://127.0.0.1:" + flaky.port() + "/flaky", "retry").retry(1)
          .transform(tracer.mono("parent")).block(TIMEOUT);
      assertThat(code).isEqualTo(200);
      assertThat(attempts.get()).isEqualTo(2);
      List<SpanData> ended = spans.take(3);
      SpanData parent = ended.stream().filter(s -> s.name().equals("parent")).findFirst().orElseThrow();
      List<SpanData> tries = ended.stream().filter(s -> s.name().equals("GET /flaky")).toList();
      assertThat(tries).hasSize(2).allSatisfy(t -> assertThat(t).hasParent(parent));
      // The first attempt failed as reactor-netty told the caller: the connection closed before the response.
      assertThat(tries).filteredOn(t -> t.status() == StatusCode.ERROR).singleElement()
          .satisfies(t -> assertThat(t.exception()).isInstanceOf(java.io.IOException.class)
              .hasMessage("Connection prematurely closed BEFORE response"));
      assertThat(tries).filteredOn(t -> Long.valueOf(200).equals(t.attributes().get(HTTP_RESPONSE_STATUS_CODE)))
          .hasSize(1);
    } finally {
      flaky.disposeNow(TIMEOUT);
    }
  }

  @Test
  void readTimeoutIsAnErrorSpan() {
    // A fresh connection: a pooled one the server has closed would make reactor-netty retry (a second span).
    HttpClient fresh = ReactorNettyClientTracing.create(tracer).decorate(HttpClient.newConnection());
    assertThatThrownBy(() -> status(fresh.responseTimeout(Duration.ofMillis(200)), server.url("/slow"), "slow")
        .block(TIMEOUT)).isInstanceOf(ReadTimeoutException.class);
    SpanData call = spans.take("GET /slow");
    assertThat(call).hasStatus(StatusCode.ERROR).hasException(ReadTimeoutException.class)
        .hasAttribute(ERROR_TYPE, ReadTimeoutException.class.getName());
  }

  @Test
  void largeBodyEndsTheSpanWhenFullyReceived() {
    Long bytes = client.get().uri(server.url("/big")).responseContent().map(b -> (long) b.readableBytes())
        .reduce(0L, Long::sum).transform(tracer.mono("parent")).block(TIMEOUT);
    assertThat(bytes).isEqualTo((long) TestServer.BIG_CHUNKS * TestServer.CHUNK);
    SpanData call = spans.take("GET /big");
    assertThat(call).hasParent(spans.take("parent")).hasAttribute(HTTP_RESPONSE_STATUS_CODE, 200L)
        .hasStatus(StatusCode.UNSET);
    assertThat(call.cancelled()).isFalse();
  }

  @Test
  void cancellingMidBodyEndsTheSpanCancelled() {
    List<Integer> chunks = client.get().uri(server.url("/big")).responseContent().map(b -> b.readableBytes())
        .take(3, false).collectList().block(TIMEOUT);
    assertThat(chunks).hasSize(3);
    SpanData call = spans.take("GET /big");
    assertThat(call).wasCancelled().hasStatus(StatusCode.UNSET).hasAttribute(HTTP_RESPONSE_STATUS_CODE, 200L);
  }

  @Test
  void routeTemplateNamesTheSpan() {
    status(client, server.url("/orders/42?token=secret&x"), "route")
        .contextWrite(ReactorNettyClientTracing.route("/orders/{id}")).block(TIMEOUT);
    assertThat(spans.take("GET /orders/{id}")).hasAttribute(HTTP_ROUTE, "/orders/{id}")
        .hasAttribute(URL_FULL, server.url("/orders/42?token=REDACTED&x"));
  }

  @Test
  void requestsSharingAPooledConnectionEachRecordTheirOwnUrl() {
    // One connection: the later requests on it take the origin remembered from the first one.
    reactor.netty.resources.ConnectionProvider single = reactor.netty.resources.ConnectionProvider.create("single", 1);
    java.util.Set<Object> channels = java.util.concurrent.ConcurrentHashMap.newKeySet();
    try {
      HttpClient pooled = ReactorNettyClientTracing.create(tracer)
          .decorate(HttpClient.create(single).doOnRequest((request, c) -> channels.add(c.channel().id())));
      String[] paths = {"/ok", "/orders/1?token=a", "/orders/2", "/orders/3?x=1&y", "/ok#frag", "/orders/4"};
      String[] recorded = {"/ok", "/orders/1?token=REDACTED", "/orders/2", "/orders/3?x=REDACTED&y", "/ok",
          "/orders/4"};
      for (int i = 0; i < paths.length; i++) {
        assertThat(status(pooled, server.url(paths[i]), "pooled").block(TIMEOUT)).isEqualTo(200);
        assertThat(spans.take(1).get(0)).hasAttribute(URL_FULL, server.url(recorded[i]))
            .hasAttribute(SERVER_ADDRESS, "127.0.0.1").hasAttribute(SERVER_PORT, (long) server.port());
      }
      assertThat(channels).as("all on one pooled connection").hasSize(1);
    } finally {
      single.disposeLater().block(TIMEOUT);
    }
  }

  @Test
  void thousandConcurrentRequestsKeepTheirTracesApart() {
    int n = 1_000;
    HttpClient pooled = client;
    List<String> ids = new ArrayList<>();
    Flux.range(0, n)
        .flatMap(i -> status(pooled, server.url("/ok"), "c" + i).transform(tracer.mono("parent-" + i)), n)
        .then().block(Duration.ofSeconds(60));
    Map<String, SpanData> byName = new HashMap<>();
    for (SpanData span : spans.take(2 * n)) {
      byName.put(span.name().startsWith("parent-") ? span.name() : span.spanId(), span);
      ids.add(span.traceId());
    }
    int checked = 0;
    for (int i = 0; i < n; i++) {
      SpanData parent = byName.get("parent-" + i);
      String traceparent = server.received.get("c" + i).get("traceparent");
      assertThat(traceparent).startsWith("00-" + parent.traceId() + "-");
      SpanData child = byName.get(traceparent.substring(36, 52));
      assertThat(child).as("client span of request " + i).isNotNull();
      assertThat(child).hasParent(parent).hasName("GET /ok");
      checked++;
    }
    assertThat(checked).isEqualTo(n);
    assertThat(ids.stream().distinct().count()).isEqualTo(n);
  }
}
