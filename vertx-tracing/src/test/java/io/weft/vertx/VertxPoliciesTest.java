package io.weft.vertx;

import static io.weft.testing.SpanAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.tracing.TracingOptions;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.ext.web.Router;
import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.testing.StrictSpanSink;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.netty.http.client.HttpClient;

/** Tracing policies, a failing Vert.x Web route, and setup through service loading with the global tracer. */
class VertxPoliciesTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @RegisterExtension final StrictSpanSink spans = StrictSpanSink.create();
  final Tracer tracer = spans.tracer("policies");

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  static int status(int port, String path, String traceparent) {
    Integer code = HttpClient.create().headers(h -> {
      if (traceparent != null) {
        h.set("traceparent", traceparent);
      }
    }).get().uri("http://127.0.0.1:" + port + path)
        .responseSingle((res, body) -> body.asString().defaultIfEmpty("").thenReturn(res.status().code()))
        .block(TIMEOUT);
    return code == null ? -1 : code;
  }

  HttpServer server(Vertx vertx, TracingPolicy policy) throws Exception {
    Router router = Router.router(vertx);
    router.get("/ok").handler(ctx -> ctx.response().end("ok"));
    router.get("/throws").handler(ctx -> {
      throw new IllegalStateException("handler failed");
    });
    return await(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
        .setTracingPolicy(policy)).requestHandler(router).listen());
  }

  @Test
  void alwaysPolicyStartsATraceAndAFailingRouteIsA500Span() throws Exception {
    Vertx vertx = Vertx.builder().withTracer(VertxTracing.create(tracer)).build();
    try {
      HttpServer server = server(vertx, TracingPolicy.ALWAYS);
      assertThat(status(server.actualPort(), "/ok", null)).isEqualTo(200);
      assertThat(spans.take("GET /ok")).hasNoParent().hasKind(SpanKind.SERVER);
      assertThat(status(server.actualPort(), "/throws", null)).isEqualTo(500);
      assertThat(spans.take("GET /throws")).hasStatus(StatusCode.ERROR).hasAttribute("http.response.status_code", 500L);
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void propagatePolicyTracesOnlyRequestsThatCarryATrace() throws Exception {
    Vertx vertx = Vertx.builder().withTracer(VertxTracing.create(tracer)).build();
    try {
      HttpServer server = server(vertx, TracingPolicy.PROPAGATE);
      assertThat(status(server.actualPort(), "/ok", null)).isEqualTo(200);
      assertThat(spans.pending()).isEmpty();
      assertThat(status(server.actualPort(), "/ok", TRACEPARENT)).isEqualTo(200);
      assertThat(spans.take("GET /ok").parentSpanId()).isEqualTo("b7ad6b7169203331");
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void ignorePolicyTracesNothing() throws Exception {
    Vertx vertx = Vertx.builder().withTracer(VertxTracing.create(tracer)).build();
    try {
      HttpServer server = server(vertx, TracingPolicy.IGNORE);
      assertThat(status(server.actualPort(), "/ok", TRACEPARENT)).isEqualTo(200);
      assertThat(spans.pending()).isEmpty();
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void alwaysPolicyOnAClientStartsATraceWithoutACurrentSpan() throws Exception {
    Vertx vertx = Vertx.builder().withTracer(VertxTracing.create(tracer)).build();
    try {
      HttpServer server = server(vertx, TracingPolicy.IGNORE);
      io.vertx.core.http.HttpClient client = vertx.createHttpClient(
          new HttpClientOptions().setTracingPolicy(TracingPolicy.ALWAYS));
      int code = await(client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/ok")
          .compose(request -> request.send()).map(response -> response.statusCode()));
      assertThat(code).isEqualTo(200);
      SpanData span = spans.take("GET /ok");
      assertThat(span).hasKind(SpanKind.CLIENT).hasNoParent().hasAttribute("http.response.status_code", 200L);
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void serviceLoadingUsesTheGlobalTracer() throws Exception {
    Tracer previous = Tracer.setGlobal(tracer);
    Vertx vertx = Vertx.vertx(new VertxOptions().setTracingOptions(new TracingOptions()));
    try {
      HttpServer server = server(vertx, TracingPolicy.ALWAYS);
      assertThat(status(server.actualPort(), "/ok", TRACEPARENT)).isEqualTo(200);
      assertThat(spans.take("GET /ok").resource().serviceName()).isEqualTo("policies");
    } finally {
      await(vertx.close());
      if (previous != null) {
        Tracer.setGlobal(previous);
      }
    }
  }
}
