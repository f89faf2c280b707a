package io.weft.benchmarks.r2dbc;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Result;
import io.weft.core.Tracer;
import io.weft.core.export.SpanExporter;
import io.weft.r2dbc.R2dbcTracing;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What does tracing add to a query? Each operation runs a single-row {@code SELECT} by primary key on H2 in memory
 * (one open connection, as from a pool) and reads the row: through the undecorated connection, or through Weft's
 * decorator with every span sampled and handed to a no-op exporter.
 *
 * <p>Targets, within one run: {@code traced} at most 1.05 times {@code untraced}, and at most 1 KB more allocated
 * per query ({@code -prof gc}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class R2dbcQueryBenchmark {
  private static final String QUERY = "SELECT id, customer, total FROM orders WHERE id = $1";

  @Param({"untraced", "traced"})
  public String mode;

  private final LongAdder exported = new LongAdder();
  private Connection connection;
  private int id;

  @Setup(Level.Trial)
  public void setUp() {
    ConnectionFactoryOptions options =
        ConnectionFactoryOptions.parse("r2dbc:h2:mem:///bench_" + mode + "?options=DB_CLOSE_DELAY=-1");
    ConnectionFactory h2 = ConnectionFactories.get(options);
    SpanExporter counting = span -> exported.increment();
    Tracer tracer = Tracer.builder().serviceName("bench").exporter(counting).build();
    ConnectionFactory factory = mode.equals("traced") ? R2dbcTracing.create(tracer).wrap(h2, options) : h2;
    connection = Mono.from(factory.create()).block(Duration.ofSeconds(10));
    Flux.concat(
            Flux.from(connection.createStatement(
                "CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(64), total DECIMAL(10,2))").execute()),
            Flux.range(1, 1_000).concatMap(i -> Flux.from(connection.createStatement(
                "INSERT INTO orders VALUES (" + i + ", 'customer-" + i + "', " + i + ".25)").execute())))
        .concatMap(Result::getRowsUpdated)
        .blockLast(Duration.ofSeconds(30));
    exported.reset();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (mode.equals("traced") && exported.sum() == 0) {
      throw new IllegalStateException("the traced queries exported no span");
    }
    Mono.from(connection.close()).block(Duration.ofSeconds(10));
  }

  @Benchmark
  public String selectByPrimaryKey() {
    id = id % 1_000 + 1;
    return Flux.from(connection.createStatement(QUERY).bind(0, id).execute())
        .flatMap(r -> r.map((row, meta) -> row.get("customer", String.class)))
        .blockLast();
  }
}
