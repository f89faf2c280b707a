package io.weft.r2dbc;

import static io.weft.core.instrumentation.SemanticAttributes.DB_NAMESPACE;
import static io.weft.core.instrumentation.SemanticAttributes.DB_QUERY_TEXT;
import static io.weft.core.instrumentation.SemanticAttributes.DB_RESPONSE_RETURNED_ROWS;
import static io.weft.core.instrumentation.SemanticAttributes.DB_SYSTEM;
import static io.weft.testing.SpanAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Wrapped;
import io.weft.core.SpanKind;
import io.weft.core.Tracer;
import io.weft.testing.StrictSpanSink;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The {@code r2dbc:tracing:} URL driver: finds the delegate, traces with the global tracer, fails clearly. */
class TracingConnectionFactoryProviderTest {
  @RegisterExtension final StrictSpanSink spans = StrictSpanSink.create();
  private Tracer previous;

  @BeforeEach
  void installGlobal() {
    previous = Tracer.setGlobal(spans.tracer("url-service"));
  }

  @AfterEach
  void restoreGlobal() {
    if (previous != null) {
      Tracer.setGlobal(previous);
    }
  }

  @Test
  void tracingUrlWrapsTheDelegateDriverWithTheGlobalTracer() {
    ConnectionFactory factory = ConnectionFactories.get("r2dbc:tracing:h2:mem:///url_orders?options=DB_CLOSE_DELAY=-1");
    assertThat(factory).isInstanceOf(TracingConnectionFactory.class);
    assertThat(((Wrapped<?>) factory).unwrap().getClass().getName()).isEqualTo("io.r2dbc.h2.H2ConnectionFactory");
    Long rows = Mono.usingWhen(factory.create(), c -> Flux.from(c.createStatement("SELECT 1").execute())
        .flatMap(r -> r.map((row, meta) -> row.get(0))).count(), Connection::close).block(Duration.ofSeconds(30));
    assertThat(rows).isEqualTo(1L);
    assertThat(spans.take()).hasName("SELECT").hasKind(SpanKind.CLIENT).hasAttribute(DB_SYSTEM, "h2")
        .hasAttribute(DB_NAMESPACE, "url_orders").hasAttribute(DB_QUERY_TEXT, "SELECT ?")
        .hasAttribute(DB_RESPONSE_RETURNED_ROWS, 1L);
  }

  @Test
  void aUrlThatNamesTheTracingDriverTwiceTracesOnce() {
    ConnectionFactory factory =
        ConnectionFactories.get("r2dbc:tracing:tracing:h2:mem:///twice?options=DB_CLOSE_DELAY=-1");
    assertThat(((Wrapped<?>) factory).unwrap().getClass().getName()).isEqualTo("io.r2dbc.h2.H2ConnectionFactory");
    Mono.usingWhen(factory.create(), c -> Flux.from(c.createStatement("SELECT 1").execute())
        .flatMap(r -> r.map((row, meta) -> row.get(0))).then(), Connection::close).block(Duration.ofSeconds(30));
    assertThat(spans.take()).hasName("SELECT").hasAttribute(DB_NAMESPACE, "twice");
    spans.verifyNoMoreSpans(); // one span per statement, not two
  }

  @Test
  void tracingAPoolTracesEveryStatement() {
    ConnectionFactory factory =
        ConnectionFactories.get("r2dbc:tracing:pool:h2:mem:///pool_orders?options=DB_CLOSE_DELAY=-1&maxSize=2");
    Long updated = Mono.usingWhen(factory.create(), c -> Flux.from(c.createStatement(
            "CREATE TABLE t (id INT)").execute()).flatMap(Result::getRowsUpdated).count(), Connection::close)
        .block(Duration.ofSeconds(30));
    assertThat(updated).isEqualTo(1L);
    assertThat(spans.take()).hasName("CREATE t").hasAttribute(DB_SYSTEM, "h2")
        .hasAttribute(DB_NAMESPACE, "pool_orders");
  }

  @Test
  void delegateOptionsMoveTheProtocolsFirstPartIntoTheDriver() {
    ConnectionFactoryOptions pool = TracingConnectionFactoryProvider.delegateOptions(
        ConnectionFactoryOptions.parse("r2dbc:tracing:pool:postgresql://db.example.com:5433/shop"));
    assertThat(pool.getValue(ConnectionFactoryOptions.DRIVER)).isEqualTo("pool");
    assertThat(pool.getValue(ConnectionFactoryOptions.PROTOCOL)).isEqualTo("postgresql");
    assertThat(pool.getValue(ConnectionFactoryOptions.HOST)).isEqualTo("db.example.com");
    assertThat(pool.getValue(ConnectionFactoryOptions.PORT)).isEqualTo(5433);
    assertThat(pool.getValue(ConnectionFactoryOptions.DATABASE)).isEqualTo("shop");
    ConnectionFactoryOptions direct = TracingConnectionFactoryProvider.delegateOptions(
        ConnectionFactoryOptions.parse("r2dbc:tracing:postgresql://db/shop"));
    assertThat(direct.getValue(ConnectionFactoryOptions.DRIVER)).isEqualTo("postgresql");
    assertThat(direct.getValue(ConnectionFactoryOptions.PROTOCOL)).isEqualTo("");
  }

  @Test
  void missingOrUnknownDelegateFailsWithAClearMessage() {
    assertThatThrownBy(() -> ConnectionFactories.get("r2dbc:tracing://host/db"))
        .hasMessageContaining("r2dbc:tracing: needs the driver to trace");
    assertThatThrownBy(() -> ConnectionFactories.get("r2dbc:tracing:nosuchdriver://host/db"))
        .hasMessageContaining("No R2DBC driver found for \"nosuchdriver\"");
  }
}
