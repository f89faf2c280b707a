package io.weft.benchmarks.http;

import io.netty.util.AsciiString;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.weft.benchmarks.PairedLatencies;
import io.weft.core.SpanContext;
import io.weft.core.Tracer;
import io.weft.core.export.SpanExporter;
import io.weft.core.propagation.W3CTraceContext;
import io.weft.http.netty.ReactorNettyClientTracing;
import io.weft.http.netty.ReactorNettyServerTracing;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
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
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;
import reactor.netty.resources.LoopResources;

/**
 * {@link HttpRoundTripBenchmark}'s traced/untraced latency ratio, measured in pairs so that the VM's drifts hit both
 * sides alike. On this machine the forks of one mode differ by up to 30%, while the target is 5%; here each
 * operation makes one untraced and one traced loopback GET back to back (the same small body, each through its own
 * reactor-netty client and server in this JVM), alternating which goes first, and times each with
 * {@code System.nanoTime}. The auxiliary counters {@code untracedNanos} and {@code tracedNanos} are the summed
 * latencies of each side; their ratio is the added latency. The primary score (µs per pair) is only context.
 *
 * <p>All four endpoints share one event loop. With reactor-netty's default (four loops on this two-core machine)
 * each connection lands on its own loop, and the plain and the traced pair end up with different hand-offs between
 * threads: two untraced pairs then differed by 3%, a bias as large as the target. On one loop the {@code none}
 * control (both sides untraced) measures 1.00; every request is then pure CPU on one thread, which, if anything,
 * makes tracing's share larger than with idle time between the hops.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 6, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class HttpPairedRoundTripBenchmark {
  private static final String BODY = "{\"id\":42,\"total\":12.5}";

  /**
   * Which side of the traced pair is decorated: both (the target's case), the client or the server alone, the
   * client alone with a tracer that samples nothing (headers still injected, no span recorded); {@code none}, the
   * control: neither (the ratio must be 1); {@code propagationOnly}, the floor of any tracer: the client writes a
   * {@code traceparent} and the server parses it into the handler's Reactor context, with no span on either side;
   * {@code otelBoth}: both sides traced by hand with the OpenTelemetry SDK instead ({@link OtelHttpFixtures}).
   */
  @Param({"both", "client", "server", "clientUnsampled", "none", "propagationOnly", "otelBoth"})
  public String traced;

  private final LoopResources loop = LoopResources.create("bench-http", 1, true);
  private @Nullable SdkTracerProvider otel;

  private final LongAdder exported = new LongAdder();
  private DisposableServer plainServer;
  private DisposableServer tracedServer;
  private HttpClient plainClient;
  private HttpClient tracedClient;
  private String plainUrl;
  private String tracedUrl;
  private long pairs;

  @Setup(Level.Trial)
  public void setUp() {
    SpanExporter counting = span -> exported.increment();
    Tracer tracer = Tracer.builder().serviceName("bench").exporter(counting).build();
    Tracer unsampled = Tracer.builder().serviceName("bench").exporter(counting)
        .sampler(io.weft.core.sampler.Sampler.alwaysOff()).build();
    BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> order =
        (req, res) -> res.sendString(Mono.just(BODY));
    Consumer<HttpServerRoutes> routes = r -> r.get("/orders/{id}", order);
    plainServer = HttpServer.create().host("127.0.0.1").port(0).runOn(loop).route(routes).bindNow();
    HttpServer second = HttpServer.create().host("127.0.0.1").port(0).runOn(loop);
    if (traced.equals("otelBoth")) {
      otel = SdkTracerProvider.builder()
          .setSampler(io.opentelemetry.sdk.trace.samplers.Sampler.alwaysOn())
          .addSpanProcessor(new CountingProcessor(exported))
          .addSpanProcessor(BatchSpanProcessor.builder(io.opentelemetry.sdk.trace.export.SpanExporter.composite())
              .build())
          .build();
    }
    HttpServer tracedSide = switch (traced) {
      case "both", "server" -> second.handle(ReactorNettyServerTracing.create(tracer).routes(routes));
      case "propagationOnly" -> second.handle(propagationOnly(HttpServerRoutes.newRoutes().get("/orders/{id}", order)));
      case "otelBoth" -> second.route(r -> r.get("/orders/{id}",
          OtelHttpFixtures.server(otel.get("io.weft.benchmarks"), "/orders/{id}", order)));
      default -> second.route(routes);
    };
    tracedServer = tracedSide.bindNow();
    plainClient = HttpClient.create().runOn(loop);
    HttpClient client = HttpClient.create().runOn(loop);
    tracedClient = switch (traced) {
      case "both", "client" -> ReactorNettyClientTracing.create(tracer).decorate(client);
      case "clientUnsampled" -> ReactorNettyClientTracing.create(unsampled).decorate(client);
      case "otelBoth" -> OtelHttpFixtures.client(client, otel.get("io.weft.benchmarks"));
      case "propagationOnly" -> client.doOnRequest((request, connection) ->
          request.header(TRACEPARENT, W3CTraceContext.formatTraceParent(PROPAGATED)));
      default -> client;
    };
    plainUrl = "http://127.0.0.1:" + plainServer.port() + "/orders/42";
    tracedUrl = "http://127.0.0.1:" + tracedServer.port() + "/orders/42";
  }

  private static final AsciiString TRACEPARENT = AsciiString.cached(W3CTraceContext.TRACEPARENT);
  private static final SpanContext PROPAGATED =
      SpanContext.createRemote(0x0af7651916cd43ddL, 0x8448eb211c80319cL, 0xb7ad6b7169203331L, true, null);

  /** The server half of {@code propagationOnly}: the caller's context parsed and put in the handler's context. */
  private static BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> propagationOnly(
      BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
    return (request, response) -> {
      // The cheapest read there is: one lookup, no check for a repeated header, no tracestate.
      SpanContext parent = W3CTraceContext.parse(request.requestHeaders().get(TRACEPARENT), List.of());
      if (!parent.isValid()) {
        throw new IllegalStateException("no traceparent arrived");
      }
      return Mono.from(handler.apply(request, response))
          .contextWrite(context -> context.put(SpanContext.class, parent));
    };
  }

  /** Counts the OpenTelemetry spans that end, so the run fails if none did. */
  private record CountingProcessor(LongAdder ended) implements SpanProcessor {
    @Override
    public void onStart(io.opentelemetry.context.Context parentContext, ReadWriteSpan span) {}

    @Override
    public boolean isStartRequired() {
      return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
      ended.increment();
    }

    @Override
    public boolean isEndRequired() {
      return true;
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    plainServer.disposeNow(Duration.ofSeconds(10));
    tracedServer.disposeNow(Duration.ofSeconds(10));
    loop.disposeLater().block(Duration.ofSeconds(10));
    if (otel != null) {
      otel.shutdown().join(10, TimeUnit.SECONDS);
    }
    boolean spans = traced.equals("both") || traced.equals("client") || traced.equals("server")
        || traced.equals("otelBoth");
    if (spans && exported.sum() == 0) {
      throw new IllegalStateException("the traced requests exported no span");
    }
  }

  private static long timed(HttpClient client, String url) {
    long start = System.nanoTime();
    String body = client.get().uri(url).responseSingle((res, content) -> content.asString())
        .block(Duration.ofSeconds(10));
    long elapsed = System.nanoTime() - start;
    if (!BODY.equals(body)) {
      throw new IllegalStateException("unexpected body: " + body);
    }
    return elapsed;
  }

  @Benchmark
  public void pair(PairedLatencies latencies) {
    if ((pairs++ & 1) == 0) {
      latencies.untracedNanos += timed(plainClient, plainUrl);
      latencies.tracedNanos += timed(tracedClient, tracedUrl);
    } else {
      latencies.tracedNanos += timed(tracedClient, tracedUrl);
      latencies.untracedNanos += timed(plainClient, plainUrl);
    }
  }
}
