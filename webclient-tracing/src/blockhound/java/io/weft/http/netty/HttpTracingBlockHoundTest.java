package io.weft.http.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.Tracer;
import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.testing.BlockHoundExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * The traced client and server paths never block their threads: requests, redirects, errors, handler failures and
 * cut-short bodies through a traced server that calls a second traced server, all on Netty event loops.
 */
@ExtendWith(BlockHoundExtension.class)
class HttpTracingBlockHoundTest {

  @Test
  void tracedClientAndServerNeverBlock() {
    InMemorySpanExporter exported = InMemorySpanExporter.create();
    Tracer tracer = Tracer.builder().serviceName("blockhound").exporter(exported).build();
    HttpTracing http = HttpTracing.builder(tracer).traceResponse(true).legacyRequestId(true).build();
    ReactorNettyServerTracing serverTracing = ReactorNettyServerTracing.create(http);
    ReactorNettyClientTracing clientTracing = ReactorNettyClientTracing.create(http);
    DisposableServer backend = HttpServer.create().host("127.0.0.1").port(0)
        .handle(serverTracing.routes(routes -> routes
            .get("/ok", (req, res) -> res.sendString(Mono.just("ok")))
            .get("/moved", (req, res) -> res.status(301).header("Location", "/ok").send())
            .get("/boom", (req, res) -> Mono.error(new IllegalStateException("boom")))
            .get("/big", (req, res) -> res.sendString(Flux.range(0, 500).map(i -> "x".repeat(1024))))))
        .bindNow();
    HttpClient client = clientTracing.decorate(HttpClient.create().followRedirect(true));
    DisposableServer front = HttpServer.create().host("127.0.0.1").port(0)
        .handle(serverTracing.routes(routes -> routes.get("/front/{what}", (req, res) -> res.sendString(
            client.get().uri("http://127.0.0.1:" + backend.port() + "/" + req.param("what"))
                .responseSingle((r, body) -> body.asString().defaultIfEmpty(""))))))
        .bindNow();
    try {
      HttpClient caller = clientTracing.decorate(HttpClient.create());
      Flux.range(0, 40)
          .flatMap(i -> {
            String what = new String[] {"ok", "moved", "boom", "big"}[i % 4];
            Mono<Integer> call = caller.get().uri("http://127.0.0.1:" + front.port() + "/front/" + what)
                .responseSingle((r, body) -> body.asString().defaultIfEmpty("").thenReturn(r.status().code()));
            Mono<Integer> cut = caller.get().uri("http://127.0.0.1:" + backend.port() + "/big").responseContent()
                .take(2, false).then(Mono.just(0));
            return (i % 10 == 9 ? cut : call).transform(tracer.mono("request")).subscribeOn(Schedulers.parallel());
          }, 8)
          .then()
          .block(Duration.ofSeconds(60));
    } finally {
      front.disposeNow(Duration.ofSeconds(10));
      backend.disposeNow(Duration.ofSeconds(10));
    }
    assertThat(exported.spans()).extracting(SpanData::name)
        .contains("GET /front/{what}", "GET /ok", "GET /moved", "GET /boom", "GET /big", "request");
    assertThat(http.failures()).isZero();
  }
}
