package io.weft.benchmarks.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.weft.core.Span;
import io.weft.core.SpanContext;
import io.weft.core.Tracer;
import io.weft.core.instrumentation.HttpClientAdapter;
import io.weft.core.instrumentation.HttpClientHandler;
import io.weft.core.instrumentation.HttpServerAdapter;
import io.weft.core.instrumentation.HttpServerHandler;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.core.instrumentation.SemanticAttributes;
import io.weft.core.propagation.W3CTraceContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU of the two spans of one traced HTTP exchange, without the network or the library's glue: a client span
 * started, its {@code traceparent} written into Netty headers, the server's span started from those headers, both
 * ended with status 200 and exported (Weft to a counting exporter; OpenTelemetry through its batch processor, as in
 * {@link HttpPairedRoundTripBenchmark}). {@code propagationOnly} writes and reads the header without spans: the floor.
 * What the paired round trip measures above its floor is this plus each library's glue; this benchmark isolates the
 * part the instrumentation layer owns, in nanoseconds instead of a ratio of noisy round trips.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class HttpSpanCostBenchmark {
  private static final String URL = "http://127.0.0.1:8080/orders/42?expand=lines";
  private static final String TARGET = "/orders/42?expand=lines";
  private static final String ROUTE = "/orders/{id}";

  /** A request as an integration sees it: method, URL and the headers it writes or reads. */
  record Request(String method, String url, HttpHeaders headers) {}

  private final LongAdder exported = new LongAdder();
  private HttpClientHandler<Request, Integer> client;
  private HttpServerHandler<Request, Integer> server;
  private io.opentelemetry.api.trace.Tracer otel;
  private SdkTracerProvider otelProvider;
  private Tracer tracer;

  @Setup(Level.Trial)
  public void setUp() {
    tracer = Tracer.builder().serviceName("bench").exporter(span -> exported.increment()).build();
    HttpTracing http = HttpTracing.create(tracer);
    client = http.clientHandler(ClientAdapter.INSTANCE);
    server = http.serverHandler(ServerAdapter.INSTANCE);
    otelProvider = SdkTracerProvider.builder()
        .setSampler(io.opentelemetry.sdk.trace.samplers.Sampler.alwaysOn())
        .addSpanProcessor(BatchSpanProcessor.builder(io.opentelemetry.sdk.trace.export.SpanExporter.composite())
            .build())
        .build();
    otel = otelProvider.get("io.weft.benchmarks");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    otelProvider.shutdown().join(10, TimeUnit.SECONDS);
    if (exported.sum() == 0) {
      throw new IllegalStateException("no Weft span was exported");
    }
  }

  @Benchmark
  public Object weft() {
    Request outgoing = new Request("GET", URL, new DefaultHttpHeaders());
    Span call = client.handleSend(outgoing, null, ROUTE);
    Request incoming = new Request("GET", TARGET, outgoing.headers());
    Span request = server.handleReceive(incoming);
    server.route(request, "GET /orders/{id}", ROUTE);
    server.handleSend(request, 200, null);
    client.handleReceive(call, 200, null);
    return request;
  }

  /** Two spans, parent and child, no attributes and no headers: what any tracer's spans cost at the least. */
  @Benchmark
  public Object weftBare() {
    Span call = tracer.spanBuilder("GET /orders/{id}").kind(io.weft.core.SpanKind.CLIENT).start();
    Span request = tracer.spanBuilder("GET /orders/{id}").kind(io.weft.core.SpanKind.SERVER).parent(call).start();
    request.end();
    call.end();
    return request;
  }

  /** {@link #weftBare} with the headers written and read. */
  @Benchmark
  public Object weftPropagated() {
    HttpHeaders headers = new DefaultHttpHeaders();
    Span call = tracer.spanBuilder("GET /orders/{id}").kind(io.weft.core.SpanKind.CLIENT).start();
    W3CTraceContext.inject(call.context(), headers, (carrier, key, value) -> carrier.set(key, value));
    SpanContext parent = W3CTraceContext.parse(headers.get(W3CTraceContext.TRACEPARENT), List.of());
    Span request = tracer.spanBuilder("GET /orders/{id}").kind(io.weft.core.SpanKind.SERVER).parent(parent).start();
    request.end();
    call.end();
    return request;
  }

  @Benchmark
  public Object otel() {
    HttpHeaders headers = new DefaultHttpHeaders();
    int query = URL.indexOf('?');
    io.opentelemetry.api.trace.Span call = otel.spanBuilder("GET " + URL.substring(URL.indexOf('/', 8), query))
        .setSpanKind(SpanKind.CLIENT)
        .setParent(Context.current())
        .setAttribute(SemanticAttributes.HTTP_REQUEST_METHOD, "GET")
        .setAttribute(SemanticAttributes.URL_FULL, URL)
        .setAttribute(SemanticAttributes.SERVER_ADDRESS, "127.0.0.1")
        .setAttribute(SemanticAttributes.SERVER_PORT, 8080L)
        .startSpan();
    W3C.inject(Context.current().with(call), headers, (carrier, key, value) -> carrier.set(key, value));
    Context parent = W3C.extract(Context.root(), headers, GETTER);
    int targetQuery = TARGET.indexOf('?');
    io.opentelemetry.api.trace.Span request = otel.spanBuilder("GET " + ROUTE)
        .setSpanKind(SpanKind.SERVER)
        .setParent(parent)
        .setAttribute(SemanticAttributes.HTTP_REQUEST_METHOD, "GET")
        .setAttribute(SemanticAttributes.URL_PATH, TARGET.substring(0, targetQuery))
        .setAttribute(SemanticAttributes.URL_FULL, "http" + "://" + "127.0.0.1" + ":" + 8080 + TARGET)
        .setAttribute(SemanticAttributes.URL_SCHEME, "http")
        .setAttribute(SemanticAttributes.HTTP_ROUTE, ROUTE)
        .setAttribute(SemanticAttributes.CLIENT_ADDRESS, "127.0.0.1")
        .startSpan();
    request.setAttribute(SemanticAttributes.HTTP_RESPONSE_STATUS_CODE, 200L);
    request.end();
    call.setAttribute(SemanticAttributes.HTTP_RESPONSE_STATUS_CODE, 200L);
    if (headers.isEmpty()) {
      call.setStatus(StatusCode.ERROR);
    }
    call.end();
    return request;
  }

  @Benchmark
  public Object propagationOnly() {
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set(W3CTraceContext.TRACEPARENT, W3CTraceContext.formatTraceParent(PROPAGATED));
    return W3CTraceContext.parse(headers.get(W3CTraceContext.TRACEPARENT), List.of());
  }

  private static final SpanContext PROPAGATED =
      SpanContext.createRemote(0x0af7651916cd43ddL, 0x8448eb211c80319cL, 0xb7ad6b7169203331L, true, null);
  private static final io.opentelemetry.context.propagation.TextMapPropagator W3C =
      io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator.getInstance();
  private static final TextMapGetter<HttpHeaders> GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(HttpHeaders carrier) {
      return carrier.names();
    }

    @Override
    public @Nullable String get(@Nullable HttpHeaders carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  /** The client adapter of {@link Request}: what reactor-netty's adapter reads, without reactor-netty. */
  enum ClientAdapter implements HttpClientAdapter<Request, Integer> {
    INSTANCE;

    @Override
    public String method(Request request) {
      return request.method();
    }

    @Override
    public String url(Request request) {
      return request.url();
    }

    @Override
    public void setHeader(Request request, String name, String value) {
      request.headers().set(name, value);
    }

    @Override
    public int statusCode(Integer response) {
      return response;
    }
  }

  /** The server adapter of {@link Request}, whose {@code url} is the request target. */
  enum ServerAdapter implements HttpServerAdapter<Request, Integer> {
    INSTANCE;

    @Override
    public String method(Request request) {
      return request.method();
    }

    @Override
    public String target(Request request) {
      return request.url();
    }

    @Override
    public String host(Request request) {
      return "127.0.0.1";
    }

    @Override
    public int port(Request request) {
      return 8080;
    }

    @Override
    public @Nullable String scheme(Request request) {
      return "http";
    }

    @Override
    public @Nullable String clientAddress(Request request) {
      return "127.0.0.1";
    }

    @Override
    public @Nullable String userAgent(Request request) {
      return null;
    }

    @Override
    public SpanContext extract(Request request) {
      return W3CTraceContext.parse(request.headers().get(W3CTraceContext.TRACEPARENT), List.of());
    }

    @Override
    public int statusCode(Integer response) {
      return response;
    }
  }
}
