package io.weft.http.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * An untraced reactor-netty server on 127.0.0.1, port 0, with the endpoints the client tests call. It records the
 * trace headers of every request, keyed by the request's {@code x-test-id} header (else its path).
 */
final class TestServer implements AutoCloseable {
  static final int BIG_CHUNKS = 2_000;
  static final int CHUNK = 8 * 1024;

  final Map<String, Map<String, String>> received = new ConcurrentHashMap<>();
  private final DisposableServer server;

  TestServer() {
    server = HttpServer.create().host("127.0.0.1").port(0)
        .route(routes -> routes
            .get("/ok", recording((req, res) -> res.sendString(Mono.just("hello"))))
            .get("/empty", recording((req, res) -> res.status(204).send()))
            .get("/redirect", recording((req, res) -> res.status(301).header("Location", "/ok").send()))
            .get("/missing", recording((req, res) -> res.status(404).sendString(Mono.just("no"))))
            .get("/fail", recording((req, res) -> res.status(500).sendString(Mono.just("boom"))))
            .get("/slow", recording((req, res) -> res.sendString(
                Mono.delay(Duration.ofSeconds(10)).thenReturn("late"))))
            .get("/big", recording((req, res) -> res.send(Flux.range(0, BIG_CHUNKS).map(i -> chunk()))))
            .get("/orders/{id}", recording((req, res) -> res.sendString(Mono.just("order " + req.param("id"))))))
        .bindNow();
  }

  private BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> recording(
      BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> handler) {
    return (req, res) -> {
      Map<String, String> headers = new HashMap<>();
      for (String name : new String[] {"traceparent", "tracestate", "Request-Id"}) {
        String value = req.requestHeaders().get(name);
        if (value != null) {
          headers.put(name, value);
        }
      }
      String id = req.requestHeaders().get("x-test-id");
      received.put(id != null ? id : req.path(), headers);
      return handler.apply(req, res);
    };
  }

  private static ByteBuf chunk() {
    return Unpooled.wrappedBuffer(new byte[CHUNK]);
  }

  int port() {
    return server.port();
  }

  String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  @Override
  public void close() {
    server.disposeNow(Duration.ofSeconds(10));
  }
}
