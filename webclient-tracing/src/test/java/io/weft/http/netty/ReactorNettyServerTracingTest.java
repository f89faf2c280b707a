package io.weft.http.netty;

import static io.weft.core.instrumentation.SemanticAttributes.CLIENT_ADDRESS;
import static io.weft.core.instrumentation.SemanticAttributes.HTTP_RESPONSE_STATUS_CODE;
import static io.weft.core.instrumentation.SemanticAttributes.HTTP_ROUTE;
import static io.weft.core.instrumentation.SemanticAttributes.URL_PATH;
import static io.weft.testing.SpanAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.Tracer;
import io.weft.testing.StrictSpanSink;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * What only reactor-netty's server has: a plain handler without routes, and forwarded headers on a kept-alive
 * connection. What every HTTP server shares is {@link ReactorNettyServerSuiteTest}.
 */
class ReactorNettyServerTracingTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  @RegisterExtension final StrictSpanSink spans = StrictSpanSink.create();
  final Tracer tracer = spans.tracer("server-service");
  private DisposableServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.disposeNow(TIMEOUT);
    }
  }

  private String get(HttpClient client, String pathAndQuery) {
    return client.get().uri("http://127.0.0.1:" + server.port() + pathAndQuery)
        .responseSingle((res, body) -> body.asString().defaultIfEmpty("")).block(TIMEOUT);
  }

  @Test
  void aPlainHandlerIsNamedAfterThePath() {
    server = HttpServer.create().host("127.0.0.1").port(0)
        .handle(ReactorNettyServerTracing.create(tracer).handler((req, res) -> res.sendString(Mono.just("plain"))))
        .bindNow(TIMEOUT);
    assertThat(get(HttpClient.create(), "/any/path?q=1")).isEqualTo("plain");
    assertThat(spans.take("GET /any/path")).doesNotHaveAttribute(HTTP_ROUTE).hasAttribute(URL_PATH, "/any/path")
        .hasAttribute(HTTP_RESPONSE_STATUS_CODE, 200L);
  }

  @Test
  void clientAddressFollowsForwardedHeadersOnOneKeptAliveConnection() {
    server = HttpServer.create().host("127.0.0.1").port(0).forwarded(true)
        .handle(ReactorNettyServerTracing.create(tracer).routes(routes -> routes
            .get("/orders/{id}", (req, res) -> res.sendString(Mono.just("order")))))
        .bindNow(TIMEOUT);
    ConnectionProvider single = ConnectionProvider.create("single", 1);
    Set<Object> channels = ConcurrentHashMap.newKeySet();
    try {
      HttpClient client = HttpClient.create(single).doOnRequest((req, c) -> channels.add(c.channel().id()));
      String[] forwardedFor = {null, "203.0.113.7", "198.51.100.2", null, "203.0.113.7"};
      for (String address : forwardedFor) {
        assertThat(get(client.headers(h -> {
          if (address != null) {
            h.set("X-Forwarded-For", address);
          }
        }), "/orders/1")).isEqualTo("order");
        assertThat(spans.take("GET /orders/{id}")).hasAttribute(CLIENT_ADDRESS, address != null ? address : "127.0.0.1");
      }
      assertThat(channels).as("every request on one connection").hasSize(1);
    } finally {
      single.disposeLater().block(TIMEOUT);
    }
  }
}
