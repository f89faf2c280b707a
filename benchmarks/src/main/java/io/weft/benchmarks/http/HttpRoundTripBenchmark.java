package io.weft.benchmarks.http;

import io.weft.core.Tracer;
import io.weft.core.export.SpanExporter;
import io.weft.http.netty.ReactorNettyClientTracing;
import io.weft.http.netty.ReactorNettyServerTracing;
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
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * What does tracing add to an HTTP call? Each operation is one loopback GET of a small body from a reactor-netty
 * client to a reactor-netty server in the same JVM (pooled keep-alive connection), waited for: untraced, or with
 * Weft's client and server decorators (two sampled spans per request, headers injected and extracted, handed to a
 * no-op exporter).
 *
 * <p>Targets, within one run: {@code traced} at most 1.05 times {@code untraced}, and at most 2 KB more allocated
 * per request ({@code -prof gc}; client and server together).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 6, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class HttpRoundTripBenchmark {
  @Param({"untraced", "traced", "clientOnly", "serverOnly"})
  public String mode;

  private final LongAdder exported = new LongAdder();
  private DisposableServer server;
  private HttpClient client;
  private String url;

  @Setup(Level.Trial)
  public void setUp() {
    SpanExporter counting = span -> exported.increment();
    Tracer tracer = Tracer.builder().serviceName("bench").exporter(counting).build();
    boolean traced = mode.equals("traced");
    boolean tracedServer = traced || mode.equals("serverOnly");
    boolean tracedClient = traced || mode.equals("clientOnly");
    HttpServer base = HttpServer.create().host("127.0.0.1").port(0);
    server = (tracedServer
        ? base.handle(ReactorNettyServerTracing.create(tracer).routes(r -> r.get("/orders/{id}", (req, res) ->
            res.sendString(Mono.just("{\"id\":42,\"total\":12.5}")))))
        : base.route(r -> r.get("/orders/{id}", (req, res) ->
            res.sendString(Mono.just("{\"id\":42,\"total\":12.5}")))))
        .bindNow();
    HttpClient plain = HttpClient.create();
    client = tracedClient ? ReactorNettyClientTracing.create(tracer).decorate(plain) : plain;
    url = "http://127.0.0.1:" + server.port() + "/orders/42";
    exported.reset();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    server.disposeNow(Duration.ofSeconds(10));
    if (!mode.equals("untraced") && exported.sum() == 0) {
      throw new IllegalStateException("the traced requests exported no span");
    }
  }

  @Benchmark
  public String get() {
    return client.get().uri(url).responseSingle((res, body) -> body.asString()).block(Duration.ofSeconds(10));
  }
}
