package io.weft.http.netty;

import io.weft.core.Span;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.testing.http.AbstractHttpServerTracingTest;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** The shared HTTP server suite against reactor-netty's server: the request span travels in the Reactor context. */
class ReactorNettyServerSuiteTest extends AbstractHttpServerTracingTest {

  @Override
  protected Server start(HttpTracing tracing) {
    DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
        .handle(ReactorNettyServerTracing.create(tracing).routes(routes -> routes
            .get("/orders/{id}", (req, res) -> Mono.deferContextual(ctx -> {
              seen(req.param("id"), Span.fromContext(ctx));
              return res.sendString(Mono.just("order " + req.param("id"))).then();
            }))
            .post("/orders", (req, res) -> res.status(201).send())
            .get("/teapot", (req, res) -> res.status(418).send())
            .get("/boom", (req, res) -> Mono.error(new IllegalStateException("handler failed")))))
        .bindNow(TIMEOUT);
    return new Server() {
      @Override
      public int port() {
        return server.port();
      }

      @Override
      public void close() {
        server.disposeNow(TIMEOUT);
      }
    };
  }
}
