package io.weft.r2dbc;

import io.weft.testing.EmbeddedPostgresServer;
import static io.weft.core.instrumentation.SemanticAttributes.DB_NAMESPACE;
import static io.weft.core.instrumentation.SemanticAttributes.DB_QUERY_TEXT;
import static io.weft.core.instrumentation.SemanticAttributes.DB_RESPONSE_RETURNED_ROWS;
import static io.weft.core.instrumentation.SemanticAttributes.DB_SYSTEM;
import static io.weft.core.instrumentation.SemanticAttributes.SERVER_ADDRESS;
import static io.weft.core.instrumentation.SemanticAttributes.SERVER_PORT;
import static io.weft.testing.SpanAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Result;
import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The tracing scenarios on PostgreSQL through an r2dbc-pool {@code ConnectionPool} (the decorator wraps the pool:
 * connections come back to the pool traced or not, statements are traced), plus the {@code r2dbc:tracing:pool:} URL.
 */
class PooledPostgresTracingTest extends PostgresTracingTest {
  static final String POOL_URL =
      "r2dbc:pool:postgresql://postgres@127.0.0.1:{port}/postgres?connectTimeout=PT10S&maxSize=3";

  @Override
  String url() {
    return POOL_URL;
  }

  @Test
  void theUndecoratedFactoryIsReallyAPool() {
    assertThat(undecorated()).isInstanceOf(ConnectionPool.class);
  }

  @Test
  void tracingPoolUrlUsesTheGlobalTracer() {
    Tracer previous = Tracer.setGlobal(tracer);
    try {
      ConnectionFactory factory = ConnectionFactories.get(ConnectionFactoryOptions.parse(EmbeddedPostgresServer.url(
          "r2dbc:tracing:pool:postgresql://postgres@127.0.0.1:{port}/postgres?maxSize=2")));
      List<SpanData> ended = traceInParent(ignored -> Mono.usingWhen(factory.create(),
          c -> Flux.from(c.createStatement("SELECT count(*) FROM orders WHERE id > $1").bind("$1", 90).execute())
              .flatMap(r -> r.map((row, meta) -> row.get(0, Long.class))).single(),
          Connection::close));
      assertThat(named(ended, "SELECT orders")).hasParent(parent(ended))
          .hasAttribute(DB_SYSTEM, "postgresql")
          .hasAttribute(SERVER_ADDRESS, "127.0.0.1")
          .hasAttribute(SERVER_PORT, (long) EmbeddedPostgresServer.port())
          .hasAttribute(DB_NAMESPACE, "postgres")
          .hasAttribute(DB_QUERY_TEXT, "SELECT count(*) FROM orders WHERE id > $1")
          .hasAttribute(DB_RESPONSE_RETURNED_ROWS, 1L);
      ((ConnectionPool) ((io.r2dbc.spi.Wrapped<?>) factory).unwrap()).dispose();
    } finally {
      if (previous != null) {
        Tracer.setGlobal(previous);
      }
    }
  }

  @Test
  void connectionAcquisitionSpanIsOptIn() {
    ConnectionFactory traced = R2dbcTracing.builder(tracer).traceConnectionCreation(true).build()
        .wrap(undecorated(), options());
    Mono.usingWhen(traced.create(), c -> Flux.from(c.createStatement("SELECT 1").execute())
        .flatMap(Result::getRowsUpdated).then(), Connection::close).transform(tracer.mono("parent")).block(TIMEOUT);
    SpanData connect = spans.take("connect");
    SpanData select = spans.take("SELECT");
    SpanData parent = spans.take("parent");
    assertThat(connect).hasParent(parent).hasAttribute(DB_SYSTEM, "postgresql");
    assertThat(select).hasParent(parent);
  }
}
