package io.weft.vertx;

import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.weft.core.ContextKeys;
import io.weft.core.Span;
import io.weft.core.instrumentation.DbTracing;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.testing.http.AbstractHttpClientTracingTest;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * The shared HTTP client suite against Vert.x's {@code WebClient} through {@link VertxTracing}: the parent comes from
 * the Reactor context of {@link VertxTracing#mono}. Two differences are Vert.x's own and declared: under its default
 * PROPAGATE policy a call made with no current span is not traced (and sends no {@code traceparent}), and a refused
 * connection never reaches the tracer SPI, so it has no client span.
 */
class VertxClientSuiteTest extends AbstractHttpClientTracingTest {

  @Override
  protected Client client(HttpTracing tracing) {
    Vertx vertx = Vertx.builder().withTracer(VertxTracing.create(tracing, DbTracing.create(tracing.tracer()))).build();
    WebClient web = WebClient.create(vertx);
    return new Client() {
      @Override
      public int get(String url, @Nullable Span parent) {
        Mono<Integer> call = VertxTracing.mono(vertx, () -> web.getAbs(url).send()).map(r -> r.statusCode());
        if (parent != null) {
          call = call.contextWrite(Context.of(ContextKeys.SPAN, parent));
        }
        return Objects.requireNonNull(call.block(TIMEOUT));
      }

      @Override
      public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
    };
  }

  @Override
  protected boolean tracesCallsWithoutACurrentSpan() {
    return false;
  }

  @Override
  protected boolean tracesRefusedConnections() {
    return false;
  }
}
