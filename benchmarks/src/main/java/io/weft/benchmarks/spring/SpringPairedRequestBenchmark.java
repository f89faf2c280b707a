package io.weft.benchmarks.spring;

import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.weft.benchmarks.PairedLatencies;
import io.weft.benchmarks.core.OtelFixtures;
import io.weft.core.Tracer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * What tracing adds to a Spring Boot WebFlux request that runs one R2DBC query (H2 in memory), measured in pairs:
 * each operation sends one request to an untraced application and one to a traced one, back to back, alternating
 * which goes first; the auxiliary counters {@code untracedNanos} and {@code tracedNanos} sum each side's latency.
 * Both applications run in this JVM on reactor-netty's shared event loops; the client is a plain reactor-netty
 * client on a loop of its own, a new connection per request (see {@link #clientLoop}).
 *
 * <ul>
 *   <li>{@code none}: the control, both untraced (the ratio must be 1);
 *   <li>{@code noneWithPropagation}: both untraced, with Reactor's automatic context propagation on, which the
 *       starter turns on by default: the hook is global to the JVM, so in {@code weft} it slows the untraced
 *       application too, and the pair cannot show its cost; this control and the pair's absolute latency can;
 *   <li>{@code weftWithoutPropagation}: the starter with {@code weft.reactor-context-propagation.enabled=false};
 *   <li>{@code weft}: the traced application has {@code weft-spring-boot-starter} (server span and SQL span);
 *   <li>{@code micrometerOtel}: Spring Boot's standard setup instead: Micrometer Observation and Micrometer Tracing
 *       with its OpenTelemetry bridge, r2dbc-proxy's observations for the query (server span and SQL span).
 * </ul>
 *
 * <p>Both tracers record every request (sampling 100%) and hand spans to an exporter that only counts them: what is
 * compared is the cost in the request path, not a network export. Spring Boot's auto-configuration files must be
 * merged, which the shaded jar does not do: run it from the module's class path (see the benchmarks README).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 20, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class SpringPairedRequestBenchmark {
  /** Auto-configurations of observation and tracing: off in the untraced and the Weft application. */
  private static final String OBSERVATIONS_OFF = "spring.autoconfigure.exclude="
      + "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration,"
      + "org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration,"
      + "org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration,"
      + "org.springframework.boot.r2dbc.autoconfigure.R2dbcProxyAutoConfiguration,"
      + "org.springframework.boot.r2dbc.autoconfigure.observation.R2dbcObservationAutoConfiguration";

  @Param({"weft", "micrometerOtel", "none", "weftWithoutPropagation", "noneWithPropagation"})
  public String traced;

  static final LongAdder EXPORTED = new LongAdder();

  private ConfigurableApplicationContext plain;
  private ConfigurableApplicationContext tracedApp;
  private HttpClient client;
  private String plainUrl;
  private String tracedUrl;
  private long pairs;
  /**
   * The client's own event loop: not one the servers use. The client opens a connection per request: with pooled
   * connections, one request in a few thousand to a Spring Boot server got no answer from reactor-netty's client
   * (also with both applications untraced: 5 of 36 short runs), which would put a 10 s stall into a sample.
   */
  private final LoopResources clientLoop = LoopResources.create("bench-client", 1, true);

  @Setup(Level.Trial)
  public void setUp() {
    System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
    plain = start("plain", "weft.enabled=false", OBSERVATIONS_OFF);
    if (traced.equals("noneWithPropagation")) {
      Hooks.enableAutomaticContextPropagation();
    }
    tracedApp = switch (traced) {
      case "weft" -> start("weft", OBSERVATIONS_OFF);
      case "weftWithoutPropagation" -> start("weft", OBSERVATIONS_OFF,
          "weft.reactor-context-propagation.enabled=false");
      case "micrometerOtel" -> start("otel", "weft.enabled=false", "management.tracing.sampling.probability=1.0");
      default -> start("second", "weft.enabled=false", OBSERVATIONS_OFF);
    };
    client = HttpClient.create(ConnectionProvider.create("bench-client", 4)).runOn(clientLoop).keepAlive(false);
    plainUrl = "http://127.0.0.1:" + plain.getEnvironment().getRequiredProperty("local.server.port") + "/orders/2";
    tracedUrl = "http://127.0.0.1:" + tracedApp.getEnvironment().getRequiredProperty("local.server.port")
        + "/orders/2";
  }

  private static ConfigurableApplicationContext start(String name, String... properties) {
    List<String> all = new ArrayList<>(List.of("server.address=127.0.0.1", "server.port=0",
        "spring.main.banner-mode=off", "spring.application.name=" + name,
        "spring.r2dbc.url=r2dbc:h2:mem:///" + name + "?options=DB_CLOSE_DELAY=-1"));
    all.addAll(List.of(properties));
    return new SpringApplicationBuilder(App.class).properties(all.toArray(String[]::new)).run();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    plain.close();
    tracedApp.close();
    clientLoop.disposeLater().block(Duration.ofSeconds(10));
    // Closing the applications flushed both tracers: every traced request gave its server and its SQL span.
    if (!traced.startsWith("none") && EXPORTED.sum() < 2 * pairs) {
      throw new IllegalStateException("the traced application exported " + EXPORTED.sum() + " spans for " + pairs
          + " requests; expected two each");
    }
  }

  private long timed(String url) {
    long start = System.nanoTime();
    String body;
    try {
      body = client.get().uri(url).responseSingle((res, content) -> content.asString())
          .block(Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      throw new IllegalStateException("no answer from " + (url.equals(plainUrl) ? "the untraced" : "the traced")
          + " application after " + pairs + " pairs", e);
    }
    long elapsed = System.nanoTime() - start;
    if (!"2".equals(body)) {
      throw new IllegalStateException("unexpected body: " + body);
    }
    return elapsed;
  }

  @Benchmark
  public void pair(PairedLatencies latencies) {
    if ((pairs++ & 1) == 0) {
      latencies.untracedNanos += timed(plainUrl);
      latencies.tracedNanos += timed(tracedUrl);
    } else {
      latencies.tracedNanos += timed(tracedUrl);
      latencies.untracedNanos += timed(plainUrl);
    }
  }

  /** The application: one route, one query. */
  @SpringBootConfiguration
  @EnableAutoConfiguration(excludeName = {"org.springframework.boot.mongodb.autoconfigure.MongoAutoConfiguration",
      "org.springframework.boot.mongodb.autoconfigure.MongoReactiveAutoConfiguration"})
  @Import({OrdersController.class, Exporters.class})
  static class App {}

  @RestController
  static class OrdersController {
    private final DatabaseClient db;

    OrdersController(DatabaseClient db) {
      this.db = db;
    }

    @GetMapping("/orders/{id}")
    Mono<String> order(@PathVariable("id") long id) {
      return db.sql("SELECT X FROM SYSTEM_RANGE(1, 3) WHERE X = :id").bind("id", id)
          .map(row -> String.valueOf(row.get(0, Long.class))).one();
    }
  }

  /** Exporters that count: Weft's tracer, and the OpenTelemetry SDK's exporter Boot wires into its processor. */
  static class Exporters {
    @org.springframework.context.annotation.Bean
    Tracer weftTracer() {
      return Tracer.builder().serviceName("bench").exporter(span -> EXPORTED.increment()).build();
    }

    @org.springframework.context.annotation.Bean
    SpanExporter countingOtelExporter() {
      return new OtelFixtures.CountingSpanExporter(EXPORTED);
    }
  }
}
