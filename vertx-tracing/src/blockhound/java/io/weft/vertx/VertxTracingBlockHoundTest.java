package io.weft.vertx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.weft.core.Tracer;
import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import io.weft.testing.BlockHoundExtension;
import io.weft.testing.EmbeddedPostgresServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Weft's Vert.x callbacks never block an event loop (weft-testing declares Vert.x's event loops to BlockHound, which
 * Vert.x itself does not): requests run through a traced server that queries PostgreSQL, calls
 * a downstream Vert.x route with the WebClient and runs a traced Reactor pipeline.
 */
@ExtendWith(BlockHoundExtension.class)
class VertxTracingBlockHoundTest {
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void tracerCallbacksNeverBlockTheEventLoop() throws Exception {
    int pgPort = EmbeddedPostgresServer.port(); // blocks, on the test thread: not an event loop
    InMemorySpanExporter exported = InMemorySpanExporter.create();
    Tracer tracer = Tracer.builder().serviceName("blockhound").exporter(exported).build();
    VertxTracing tracing = VertxTracing.create(tracer);
    Vertx vertx = Vertx.builder().withTracer(tracing).build();
    try {
      WebClient web = WebClient.create(vertx);
      Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4))
          .connectingTo(new PgConnectOptions().setHost(EmbeddedPostgresServer.HOST).setPort(pgPort)
              .setDatabase("postgres").setUser("postgres"))
          .using(vertx).build();
      await(pool.query("SELECT 1").execute());
      HttpServer server = await(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
          .requestHandler(request -> {
            switch (request.path()) {
              case "/leaf" -> request.response().end("leaf");
              case "/reactor" -> Mono.just("r").transform(tracer.mono("work"))
                  .contextWrite(VertxTracing.reactorContext())
                  .subscribe(v -> request.response().end(v));
              default -> pool.query("SELECT 1").execute()
                  .compose(rows -> web.get(request.localAddress().port(), "127.0.0.1", "/leaf").send())
                  .onSuccess(r -> request.response().end(r.bodyAsString()))
                  .onFailure(e -> request.response().setStatusCode(500).end());
            }
          }).listen());
      Future<Void> blocking = Future.future(promise -> vertx.runOnContext(v -> {
        try {
          Thread.sleep(1);
          promise.complete();
        } catch (Throwable e) {
          promise.fail(e);
        }
      }));
      assertThatThrownBy(() -> await(blocking)).as("BlockHound watches Vert.x's event loops")
          .hasMessageContaining("Blocking call");
      assertThat(BlockHoundExtension.takeDetected()).singleElement().asString().contains("vert.x-eventloop-thread");
      Flux.range(0, 60)
          .flatMap(i -> HttpClient.create().get()
              .uri("http://127.0.0.1:" + server.actualPort() + (i % 3 == 0 ? "/reactor" : "/both"))
              .responseSingle((res, body) -> body.asString().thenReturn(res.status().code())), 8)
          .collectList()
          .block(TIMEOUT);
    } finally {
      await(vertx.close());
    }
    assertThat(tracing.failures()).isZero();
    assertThat(exported.spans()).extracting(SpanData::name).contains("GET /both", "GET /leaf", "SELECT", "work");
  }
}
