package io.weft.examples;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.weft.core.Tracer;
import io.weft.vertx.VertxTracing;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Mono;

/**
 * {@link InventoryService} on Vert.x 5, traced by {@code weft-vertx-tracing} with one line ({@code
 * Vertx.builder().withTracer(VertxTracing.create(tracer))}) and no tracing code in the handler: Vert.x reports the
 * request to Weft through its tracing SPI. The stock check is a Reactor pipeline with its own in-process span
 * ({@code reserve-stock}), the request's child through {@link VertxTracing#reactorContext()}, and its MongoDB
 * commands are {@code mongodb} dependencies under that.
 *
 * <p>The handler runs on a Vert.x event loop and never blocks: the body arrives as a future, the stock is written
 * through MongoDB's reactive driver.
 */
final class VertxInventoryService implements InventoryService {
  private final Vertx vertx;
  private final HttpServer server;

  private VertxInventoryService(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  /** Binds 127.0.0.1 on a free port, serving {@code POST /reserve} from {@code stock}, traced with {@code tracer}. */
  static VertxInventoryService start(Tracer tracer, Stock stock) {
    Vertx vertx = Vertx.builder().withTracer(VertxTracing.create(tracer)).build();
    try {
      HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
          .requestHandler(request -> handle(tracer, stock, request))
          .listen()
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return new VertxInventoryService(vertx, server);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      vertx.close();
      throw new IllegalStateException("interrupted while starting the Vert.x inventory service", e);
    } catch (ExecutionException | TimeoutException e) {
      vertx.close();
      throw new IllegalStateException("the Vert.x inventory service did not start", e);
    }
  }

  private static void handle(Tracer tracer, Stock stock, HttpServerRequest request) {
    if (request.method() != HttpMethod.POST || !"/reserve".equals(request.path())) {
      request.response().setStatusCode(404).end();
      return;
    }
    request.body().onComplete(body -> {
      if (body.failed()) {
        reply(request, 400, HttpJson.error(body.cause().getMessage()));
        return;
      }
      List<Stock.Line> lines;
      try {
        lines = ReactorNettyInventoryService.parse(body.result().toString());
      } catch (IllegalArgumentException e) {
        reply(request, 400, HttpJson.error(e.getMessage()));
        return;
      }
      // MongoDB answers on the driver's threads: the reply goes back to the request's own event loop
      Context context = Vertx.currentContext();
      Mono.defer(() -> stock.reserve(lines))
          .transform(tracer.spanBuilder("reserve-stock").attribute("inventory.lines", (long) lines.size()).mono())
          .contextWrite(VertxTracing.reactorContext())
          .subscribe(
              units -> context.runOnContext(v -> reply(request, 200, "{\"reserved\":" + units + "}")),
              error -> context.runOnContext(v -> reply(request, error instanceof Stock.WarehouseOffline ? 503 : 500,
                  HttpJson.error(error.getMessage()))));
    });
  }

  private static void reply(HttpServerRequest request, int status, String json) {
    request.response().setStatusCode(status).putHeader("content-type", "application/json").end(json);
  }

  @Override
  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  @Override
  public void close() {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(Duration.ofSeconds(10).toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // Closing is best effort at the end of a run.
    }
  }
}
