package io.weft.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Result;
import io.weft.core.Tracer;
import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import io.weft.testing.BlockHoundExtension;
import io.weft.testing.EmbeddedPostgresServer;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Tracing never blocks the threads it runs on: statements, batches, transactions and cut-short reads on a real
 * PostgreSQL, driven from parallel (non-blocking) threads while the driver signals on Netty event loops.
 */
@ExtendWith(BlockHoundExtension.class)
class R2dbcTracingBlockHoundTest {
  private static ConnectionFactoryOptions options;

  @BeforeAll
  static void start() {
    // Starting the database blocks (processes, files): on the test thread, which BlockHound does not watch.
    options = ConnectionFactoryOptions.parse(EmbeddedPostgresServer.url(PostgresTracingTest.URL));
  }

  @Test
  void tracedQueriesNeverBlock() {
    InMemorySpanExporter exported = InMemorySpanExporter.create();
    Tracer tracer = Tracer.builder().serviceName("blockhound").exporter(exported).build();
    R2dbcTracing tracing = R2dbcTracing.builder(tracer).recordBindValues(true).build();
    ConnectionFactory traced = tracing.wrap(ConnectionFactories.get(options), options);
    Mono.usingWhen(traced.create(), c -> Flux.concat(
            Flux.from(c.createStatement("DROP TABLE IF EXISTS bh").execute()).flatMap(Result::getRowsUpdated),
            Flux.from(c.createStatement("CREATE TABLE bh (id INT PRIMARY KEY, v TEXT)").execute())
                .flatMap(Result::getRowsUpdated)).then(), Connection::close)
        .subscribeOn(Schedulers.parallel())
        .block(Duration.ofSeconds(30));
    Flux.range(0, 40)
        .flatMap(i -> Mono.usingWhen(traced.create(), c -> Flux.concat(
                    c.beginTransaction(),
                    Flux.from(c.createStatement("INSERT INTO bh (id, v) VALUES ($1, 'x')").bind("$1", i).execute())
                        .flatMap(Result::getRowsUpdated),
                    Flux.from(c.createBatch().add("SELECT 1").add("SELECT 2").execute())
                        .flatMap(r -> r.map((row, meta) -> row.get(0))),
                    c.commitTransaction(),
                    Flux.from(c.createStatement("SELECT id FROM bh").execute())
                        .flatMap(r -> r.map((row, meta) -> row.get(0))).take(1, false))
                .then(), Connection::close)
            .transform(tracer.mono("request"))
            .subscribeOn(Schedulers.parallel()), 8)
        .then()
        .block(Duration.ofSeconds(60));
    assertThat(tracing.failures()).isZero();
    assertThat(exported.spans()).extracting(SpanData::name)
        .contains("INSERT bh", "BATCH SELECT", "COMMIT", "SELECT bh", "request");
    assertThat(exported.spans().stream().filter(s -> s.name().equals("SELECT bh")).count()).isEqualTo(40);
  }
}
