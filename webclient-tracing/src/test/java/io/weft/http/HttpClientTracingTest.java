package io.weft.http;

import static io.weft.testing.SpanAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.timeout.ReadTimeoutException;
import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.core.sampler.Sampler;
import io.weft.testing.StrictSpanSink;
import java.net.ConnectException;
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

/** The reactor-netty client decorator against a real loopback server. */
class HttpClientTracingTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static TestServer server;

  @RegisterExtension final StrictSpanSink spans = StrictSpanSink.create();
  final Tracer tracer = spans.tracer("client-service");
  final HttpClient client = HttpClientTracing.create(tracer).decorate(HttpClient.create());

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
  void okIsAChildSpanWithEveryAttributeAndPropagatesItsIds() {
    Integer code = status(client, server.url("/ok"), "ok").transform(tracer.mono("parent")).block(TIMEOUT);
    assertThat(code).isEqualTo(200);
    // The client span ends at the response's last byte, before the caller (and so the parent) sees the body.
    SpanData call = spans.take("GET /ok");
    SpanData parent = spans.take("parent");
    assertThat(call).hasKind(SpanKind.CLIENT).hasParent(parent).hasStatus(StatusCode.UNSET)
        .hasAttribute("http.request.method", "GET")
        .hasAttribute("url.full", server.url("/ok"))
        .hasAttribute("server.address", "127.0.0.1")
        .hasAttribute("server.port", (long) server.port())
        .hasAttribute("http.response.status_code", 200L)
        .doesNotHaveAttribute("error.type");
    assertThat(server.received.get("ok")).containsEntry("traceparent",
        "00-" + call.traceId() + "-" + call.spanId() + "-01").doesNotContainKey("Request-Id");
  }

  @Test
  void noContentAndClientAndServerErrors() {
    assertThat(status(client, server.url("/empty"), "e").block(TIMEOUT)).isEqualTo(204);
    assertThat(spans.take("GET /empty")).hasStatus(StatusCode.UNSET).hasAttribute("http.response.status_code", 204L)
        .hasNoParent();
    assertThat(status(client, server.url("/missing"), "m").block(TIMEOUT)).isEqualTo(404);
    assertThat(spans.take("GET /missing")).hasStatus(StatusCode.ERROR).hasAttribute("error.type", "404");
    assertThat(status(client, server.url("/fail"), "f").block(TIMEOUT)).isEqualTo(500);
    assertThat(spans.take("GET /fail")).hasStatus(StatusCode.ERROR).hasAttribute("error.type", "500")
        .hasAttribute("http.response.status_code", 500L);
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
    assertThat(hop).hasParent(parent).hasAttribute("http.response.status_code", 301L).hasStatus(StatusCode.UNSET);
    assertThat(target).hasParent(parent).hasAttribute("http.response.status_code", 200L)
        .hasAttribute("http.request.resend_count", 1L);
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
      assertThat(tries).filteredOn(t -> t.status() == StatusCode.ERROR).hasSize(1);
      assertThat(tries).filteredOn(t -> Long.valueOf(200).equals(t.attributes().get("http.response.status_code")))
          .hasSize(1);
    } finally {
      flaky.disposeNow(TIMEOUT);
    }
  }

  @Test
  void connectionRefusedIsAnErrorSpanAndTheErrorReachesTheCaller() {
    DisposableServer gone = HttpServer.create().host("127.0.0.1").port(0).bindNow();
    int port = gone.port();
    gone.disposeNow(TIMEOUT);
    assertThatThrownBy(() -> status(client, "http://127.0.0.1:" + port + "/x", "refused")
        .transform(tracer.mono("parent")).block(TIMEOUT))
        .hasRootCauseInstanceOf(ConnectException.class);
    SpanData call = spans.take("GET /x");
    SpanData parent = spans.take("parent");
    assertThat(call).hasParent(parent).hasStatus(StatusCode.ERROR).hasException(Throwable.class)
        .hasAttribute("server.port", (long) port).doesNotHaveAttribute("http.response.status_code");
  }

  @Test
  void readTimeoutIsAnErrorSpan() {
    // A fresh connection: a pooled one the server has closed would make reactor-netty retry (a second span).
    HttpClient fresh = HttpClientTracing.create(tracer).decorate(HttpClient.newConnection());
    assertThatThrownBy(() -> status(fresh.responseTimeout(Duration.ofMillis(200)), server.url("/slow"), "slow")
        .block(TIMEOUT)).isInstanceOf(ReadTimeoutException.class);
    SpanData call = spans.take("GET /slow");
    assertThat(call).hasStatus(StatusCode.ERROR).hasException(ReadTimeoutException.class)
        .hasAttribute("error.type", ReadTimeoutException.class.getName());
  }

  @Test
  void largeBodyEndsTheSpanWhenFullyReceived() {
    Long bytes = client.get().uri(server.url("/big")).responseContent().map(b -> (long) b.readableBytes())
        .reduce(0L, Long::sum).transform(tracer.mono("parent")).block(TIMEOUT);
    assertThat(bytes).isEqualTo((long) TestServer.BIG_CHUNKS * TestServer.CHUNK);
    SpanData call = spans.take("GET /big");
    assertThat(call).hasParent(spans.take("parent")).hasAttribute("http.response.status_code", 200L)
        .hasStatus(StatusCode.UNSET);
    assertThat(call.cancelled()).isFalse();
  }

  @Test
  void cancellingMidBodyEndsTheSpanCancelled() {
    List<Integer> chunks = client.get().uri(server.url("/big")).responseContent().map(b -> b.readableBytes())
        .take(3, false).collectList().block(TIMEOUT);
    assertThat(chunks).hasSize(3);
    SpanData call = spans.take("GET /big");
    assertThat(call).wasCancelled().hasStatus(StatusCode.UNSET).hasAttribute("http.response.status_code", 200L);
  }

  @Test
  void routeTemplateNamesTheSpan() {
    status(client, server.url("/orders/42?token=secret&x"), "route")
        .contextWrite(HttpClientTracing.route("/orders/{id}")).block(TIMEOUT);
    assertThat(spans.take("GET /orders/{id}")).hasAttribute("http.route", "/orders/{id}")
        .hasAttribute("url.full", server.url("/orders/42?token=REDACTED&x"));
  }

  @Test
  void requestsSharingAPooledConnectionEachRecordTheirOwnUrl() {
    // One connection: the later requests on it take the origin remembered from the first one.
    reactor.netty.resources.ConnectionProvider single = reactor.netty.resources.ConnectionProvider.create("single", 1);
    java.util.Set<Object> channels = java.util.concurrent.ConcurrentHashMap.newKeySet();
    try {
      HttpClient pooled = HttpClientTracing.create(tracer)
          .decorate(HttpClient.create(single).doOnRequest((request, c) -> channels.add(c.channel().id())));
      String[] paths = {"/ok", "/orders/1?token=a", "/orders/2", "/orders/3?x=1&y", "/ok#frag", "/orders/4"};
      String[] recorded = {"/ok", "/orders/1?token=REDACTED", "/orders/2", "/orders/3?x=REDACTED&y", "/ok",
          "/orders/4"};
      for (int i = 0; i < paths.length; i++) {
        assertThat(status(pooled, server.url(paths[i]), "pooled").block(TIMEOUT)).isEqualTo(200);
        assertThat(spans.take(1).get(0)).hasAttribute("url.full", server.url(recorded[i]))
            .hasAttribute("server.address", "127.0.0.1").hasAttribute("server.port", (long) server.port());
      }
      assertThat(channels).as("all on one pooled connection").hasSize(1);
    } finally {
      single.disposeLater().block(TIMEOUT);
    }
  }

  @Test
  void queryIsKeptWhenAskedFor() {
    // (reactor-netty does not accept userinfo in a URL at all; HttpSpansTest covers stripping it.)
    HttpClient keeping = HttpClientTracing.builder(tracer).redactQueryValues(false).build().decorate(HttpClient.create());
    status(keeping, server.url("/ok?a=1"), "query").block(TIMEOUT);
    assertThat(spans.take("GET /ok")).hasAttribute("url.full", server.url("/ok?a=1"));
  }

  @Test
  void legacyRequestIdOnlyWhenEnabled() {
    HttpClient legacy = HttpClientTracing.builder(tracer).legacyRequestId(true).build().decorate(HttpClient.create());
    status(legacy, server.url("/ok"), "legacy").block(TIMEOUT);
    SpanData call = spans.take("GET /ok");
    assertThat(server.received.get("legacy")).containsEntry("Request-Id",
        "|" + call.traceId() + "." + call.spanId() + ".");
  }

  @Test
  void unsampledTraceSendsHeadersButExportsNothing() {
    Tracer off = Tracer.builder().serviceName("off").sampler(Sampler.alwaysOff()).exporter(spans).build();
    HttpClient unsampled = HttpClientTracing.create(off).decorate(HttpClient.create());
    status(unsampled, server.url("/ok"), "unsampled").block(TIMEOUT);
    assertThat(server.received.get("unsampled").get("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00");
    assertThat(spans.pending()).isEmpty();
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
