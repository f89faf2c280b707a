package io.weft.vertx;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.weft.core.instrumentation.DbTracing;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.testing.http.AbstractHttpServerTracingTest;
import java.util.concurrent.TimeUnit;

/**
 * The shared HTTP server suite against a Vert.x HTTP server with a Vert.x Web router: the request span is current on
 * the request's Vert.x context ({@link VertxTracing#currentSpan()}). Two differences are Vert.x's own and declared:
 * its tracing SPI never learns which route matched, so spans are named after the path; and a router answers a
 * failing handler with 500 itself, without reporting the exception to the tracer. The router is wrapped by {@link
 * VertxTracing#handler}, which answers with {@code traceresponse} when configured.
 */
class VertxServerSuiteTest extends AbstractHttpServerTracingTest {

  @Override
  protected Server start(HttpTracing tracing) throws Exception {
    VertxTracing vertxTracing = VertxTracing.create(tracing, DbTracing.create(tracing.tracer()));
    Vertx vertx = Vertx.builder().withTracer(vertxTracing).build();
    Router router = Router.router(vertx);
    router.get("/orders/:id").handler(ctx -> {
      seen(ctx.pathParam("id"), VertxTracing.currentSpan());
      ctx.response().end("order " + ctx.pathParam("id"));
    });
    router.post("/orders").handler(ctx -> ctx.response().setStatusCode(201).end());
    router.get("/teapot").handler(ctx -> ctx.response().setStatusCode(418).end());
    router.get("/boom").handler(ctx -> {
      throw new IllegalStateException("handler failed");
    });
    HttpServer server = await(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(vertxTracing.handler(router)).listen());
    return new Server() {
      @Override
      public int port() {
        return server.actualPort();
      }

      @Override
      public void close() throws Exception {
        await(vertx.close());
      }
    };
  }

  @Override
  protected boolean namesSpansAfterRoutes() {
    return false;
  }

  @Override
  protected boolean recordsHandlerExceptions() {
    return false;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }
}
