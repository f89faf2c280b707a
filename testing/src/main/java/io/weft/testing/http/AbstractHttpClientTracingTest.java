package io.weft.testing.http;

import static io.weft.core.instrumentation.SemanticAttributes.ERROR_TYPE;
import static io.weft.core.instrumentation.SemanticAttributes.HTTP_REQUEST_METHOD;
import static io.weft.core.instrumentation.SemanticAttributes.HTTP_RESPONSE_STATUS_CODE;
import static io.weft.core.instrumentation.SemanticAttributes.SERVER_ADDRESS;
import static io.weft.core.instrumentation.SemanticAttributes.SERVER_PORT;
import static io.weft.core.instrumentation.SemanticAttributes.URL_FULL;
import static io.weft.testing.SpanAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.weft.core.Span;
import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.core.instrumentation.HttpSpans;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.core.propagation.W3CTraceContext;
import io.weft.core.sampler.Sampler;
import io.weft.testing.StrictSpanSink;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The tests every traced HTTP client passes, whatever library it decorates: extend this class, say in {@link #client}
 * how to build your traced client from an {@link HttpTracing} and how it makes a call with a given span current, and
 * the suite runs against a real loopback server (the JDK's {@code com.sun.net.httpserver}, which records the trace
 * headers of every request).
 *
 * <pre>{@code
 * class MyClientTracingTest extends AbstractHttpClientTracingTest {
 *   @Override
 *   protected Client client(HttpTracing tracing) {
 *     MyClient client = MyClientTracing.create(tracing).decorate(MyClient.create());
 *     return (url, parent) -> {
 *       try (Scope scope = parent != null ? parent.makeCurrent() : null) {
 *         return client.get(url).status();
 *       }
 *     };
 *   }
 * }
 * }</pre>
 *
 * <p>It checks the rules every Weft HTTP client integration shares, because they all apply the one {@link
 * io.weft.core.instrumentation.HttpClientHandler}: a CLIENT span named {@code GET /path}, child of the current span,
 * with exactly method, URL (query values redacted unless configured otherwise), server address and port and status
 * code; 4xx and 5xx fail it; a refused connection fails it with the exception and still reaches the caller; {@code
 * traceparent} names the client span and carries the sampling decision; {@code tracestate} passes unchanged; {@code
 * Request-Id} goes out only when configured; concurrent calls keep their traces apart. Libraries that cannot do
 * something say so by overriding the {@code traces…} methods.
 */
public abstract class AbstractHttpClientTracingTest {
  /** The bound on every wait in the suite. */
  protected static final Duration TIMEOUT = Duration.ofSeconds(30);

  @RegisterExtension protected final StrictSpanSink spans = StrictSpanSink.create();
  /** The tracer of the suite's {@link HttpTracing}: it samples everything and exports to {@link #spans}. */
  protected final Tracer tracer = spans.tracer("client-service");

  /** A traced client of the library under test: one call, with its parent span. */
  @FunctionalInterface
  protected interface Client {
    /**
     * Makes one GET of {@code url}, with {@code parent} as the current span (or none, when null) in whatever way the
     * library takes its parent, waits for the whole response and returns its status code. Throws what the client
     * throws when no response arrives.
     */
    int get(String url, @Nullable Span parent) throws Exception;

    /** Releases what the client holds (called after each test). */
    default void close() throws Exception {}
  }

  /** The library's client traced with {@code tracing}; the suite closes it after the test. */
  protected abstract Client client(HttpTracing tracing);

  /** The trace headers each request carried, by its path and query as received. */
  private final Map<String, Map<String, String>> received = new ConcurrentHashMap<>();
  private @Nullable HttpServer server;
  private @Nullable ExecutorService serverThreads;

  private final List<Client> clients = new ArrayList<>();
  private @Nullable Client defaultClient;

  /** Whether a call made while no span is current gets a span of its own (false under Vert.x's PROPAGATE policy). */
  protected boolean tracesCallsWithoutACurrentSpan() {
    return true;
  }

  /** Whether a call whose connection is refused gets a span (Vert.x never reports such a call to its tracer). */
  protected boolean tracesRefusedConnections() {
    return true;
  }

  @BeforeEach
  void startServer() throws IOException {
    HttpServer started = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    started.createContext("/", this::answer);
    serverThreads = Executors.newFixedThreadPool(4);
    started.setExecutor(serverThreads);
    started.start();
    server = started;
  }

  @AfterEach
  void stopServer() throws Exception {
    for (Client client : clients) {
      client.close();
    }
    if (server != null) {
      server.stop(0);
    }
    if (serverThreads != null) {
      serverThreads.shutdownNow();
      assertThat(serverThreads.awaitTermination(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      Map<String, String> headers = new HashMap<>();
      for (String name : new String[] {W3CTraceContext.TRACEPARENT, W3CTraceContext.TRACESTATE,
          HttpSpans.REQUEST_ID}) {
        List<String> values = exchange.getRequestHeaders().get(name);
        if (values != null) {
          headers.put(name, String.join(",", values));
        }
      }
      received.put(exchange.getRequestURI().toString(), headers);
      String path = exchange.getRequestURI().getPath();
      int status = switch (path) {
        case "/empty" -> 204;
        case "/missing" -> 404;
        case "/fail" -> 500;
        default -> 200;
      };
      byte[] body = status == 204 ? new byte[0] : ("answer to " + path).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, status == 204 ? -1 : body.length);
      if (body.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }

  /** The loopback server's port. */
  protected final int port() {
    HttpServer running = server;
    if (running == null) {
      throw new IllegalStateException("the server runs only during a test");
    }
    return running.getAddress().getPort();
  }

  /** {@code http://127.0.0.1:<port><pathAndQuery>} on the loopback server. */
  protected final String url(String pathAndQuery) {
    return "http://127.0.0.1:" + port() + pathAndQuery;
  }

  /** The trace headers the server received on {@code pathAndQuery} (empty when it received none). */
  protected final Map<String, String> headersReceivedOn(String pathAndQuery) {
    Map<String, String> headers = received.get(pathAndQuery);
    if (headers == null) {
      throw new AssertionError("the server received no request on " + pathAndQuery + ", only on " + received.keySet());
    }
    return headers;
  }

  /** The next {@code count} spans by name, in any order (a client span may end just after its caller's parent). */
  protected final Map<String, SpanData> take(int count) {
    Map<String, SpanData> byName = new HashMap<>();
    for (SpanData span : spans.take(count)) {
      assertThat(byName.put(span.name(), span)).as("two spans named " + span.name()).isNull();
    }
    return byName;
  }

  /** The span named {@code name} among {@code ended}; fails the test when there is none. */
  protected static SpanData named(Map<String, SpanData> ended, String name) {
    SpanData span = ended.get(name);
    if (span == null) {
      throw new AssertionError("no span named <" + name + "> among " + ended.keySet());
    }
    return span;
  }

  /** The client traced with the defaults ({@code HttpTracing.create(tracer)}). */
  protected final synchronized Client client() {
    if (defaultClient == null) {
      defaultClient = traced(HttpTracing.create(tracer));
    }
    return defaultClient;
  }

  /** The client traced with {@code tracing}, closed after the test. */
  protected final synchronized Client traced(HttpTracing tracing) {
    Client client = client(tracing);
    clients.add(client);
    return client;
  }

  /** One GET of {@code url} with the default client. */
  protected final int get(String url, @Nullable Span parent) throws Exception {
    return client().get(url, parent);
  }

  private Span parent() {
    return tracer.spanBuilder("parent").start();
  }

  private static String traceparentOf(SpanData span) {
    return "00-" + span.traceId() + "-" + span.spanId() + "-01";
  }

  @Test
  void okIsAClientSpanChildOfTheCurrentSpanAndNamedInTheTraceparent() throws Exception {
    Span parent = parent();
    assertThat(get(url("/ok"), parent)).isEqualTo(200);
    parent.end();
    Map<String, SpanData> ended = take(2);
    SpanData call = named(ended, "GET /ok");
    assertThat(call).hasKind(SpanKind.CLIENT).hasParent(named(ended, "parent")).hasStatus(StatusCode.UNSET)
        .hasAttribute(HTTP_REQUEST_METHOD, "GET")
        .hasAttribute(URL_FULL, url("/ok"))
        .hasAttribute(SERVER_ADDRESS, "127.0.0.1")
        .hasAttribute(SERVER_PORT, (long) port())
        .hasAttribute(HTTP_RESPONSE_STATUS_CODE, 200L)
        .doesNotHaveAttribute(ERROR_TYPE);
    assertThat(call.attributes().asMap()).as("nothing else is recorded")
        .containsOnlyKeys(HTTP_REQUEST_METHOD, URL_FULL, SERVER_ADDRESS, SERVER_PORT, HTTP_RESPONSE_STATUS_CODE);
    assertThat(headersReceivedOn("/ok")).containsEntry(W3CTraceContext.TRACEPARENT, traceparentOf(call))
        .doesNotContainKeys(W3CTraceContext.TRACESTATE, HttpSpans.REQUEST_ID);
  }

  @Test
  void noContentSucceeds() throws Exception {
    Span parent = parent();
    assertThat(get(url("/empty"), parent)).isEqualTo(204);
    parent.end();
    assertThat(named(take(2), "GET /empty")).hasStatus(StatusCode.UNSET).hasAttribute(HTTP_RESPONSE_STATUS_CODE, 204L);
  }

  @Test
  void clientAndServerErrorStatusesFailTheSpan() throws Exception {
    for (String path : new String[] {"/missing", "/fail"}) {
      Span parent = parent();
      int status = get(url(path), parent);
      parent.end();
      assertThat(status).isEqualTo(path.equals("/missing") ? 404 : 500);
      assertThat(named(take(2), "GET " + path)).hasStatus(StatusCode.ERROR)
          .hasAttribute(HTTP_RESPONSE_STATUS_CODE, (long) status)
          .hasAttribute(ERROR_TYPE, Integer.toString(status));
    }
  }

  @Test
  void refusedConnectionFailsTheSpanAndStillReachesTheCaller() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    Span parent = parent();
    String refused = "http://127.0.0.1:" + closed + "/nowhere";
    assertThatThrownBy(() -> get(refused, parent)).as("the caller sees the failure, not tracing's");
    parent.end();
    if (tracesRefusedConnections()) {
      Map<String, SpanData> ended = take(2);
      SpanData call = named(ended, "GET /nowhere");
      assertThat(call).hasKind(SpanKind.CLIENT).hasParent(named(ended, "parent")).hasStatus(StatusCode.ERROR)
          .hasAttribute(SERVER_PORT, (long) closed)
          .doesNotHaveAttribute(HTTP_RESPONSE_STATUS_CODE);
      assertThat(call.exception()).as("the exception is recorded").isNotNull();
      assertThat(call.attributes().get(ERROR_TYPE)).as("error.type names the failure").isNotNull();
    } else {
      assertThat(spans.take("parent")).hasNoParent();
    }
  }

  @Test
  void queryValuesAreRedactedInTheRecordedUrl() throws Exception {
    Span parent = parent();
    assertThat(get(url("/orders/42?token=secret&page=2&flag"), parent)).isEqualTo(200);
    parent.end();
    assertThat(named(take(2), "GET /orders/42"))
        .hasAttribute(URL_FULL, url("/orders/42?token=REDACTED&page=REDACTED&flag"));
    assertThat(headersReceivedOn("/orders/42?token=secret&page=2&flag")).containsKey(W3CTraceContext.TRACEPARENT);
  }

  @Test
  void queryValuesAreKeptWhenAskedFor() throws Exception {
    Client keeping = traced(HttpTracing.builder(tracer).redactQueryValues(false).build());
    Span parent = parent();
    assertThat(keeping.get(url("/orders/42?token=secret&page=2"), parent)).isEqualTo(200);
    parent.end();
    assertThat(named(take(2), "GET /orders/42")).hasAttribute(URL_FULL, url("/orders/42?token=secret&page=2"));
  }

  @Test
  void theLegacyRequestIdGoesOutOnlyWhenAskedFor() throws Exception {
    Client legacy = traced(HttpTracing.builder(tracer).legacyRequestId(true).build());
    Span parent = parent();
    assertThat(legacy.get(url("/legacy"), parent)).isEqualTo(200);
    parent.end();
    SpanData call = named(take(2), "GET /legacy");
    assertThat(headersReceivedOn("/legacy"))
        .containsEntry(HttpSpans.REQUEST_ID, "|" + call.traceId() + "." + call.spanId() + ".")
        .containsEntry(W3CTraceContext.TRACEPARENT, traceparentOf(call));
  }

  @Test
  void anUnsampledTracerExportsNothingButStillPropagates() throws Exception {
    Tracer off = Tracer.builder().serviceName("client-service").sampler(Sampler.alwaysOff()).exporter(spans).build();
    Client unsampled = traced(HttpTracing.create(off));
    Span parent = off.spanBuilder("parent").start();
    assertThat(unsampled.get(url("/ok"), parent)).isEqualTo(200);
    parent.end();
    String traceparent = headersReceivedOn("/ok").get(W3CTraceContext.TRACEPARENT);
    assertThat(traceparent).as("a span of its own in the parent's trace, not sampled")
        .startsWith("00-" + parent.context().traceId() + "-").endsWith("-00")
        .doesNotContain(parent.context().spanId());
    assertThat(spans.pending()).isEmpty();
  }

  @Test
  void tracestateOfTheTracePassesUnchanged() throws Exception {
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    String tracestate = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
    Span parent = tracer.spanBuilder("parent").parent(W3CTraceContext.parse("00-" + trace + "-00f067aa0ba902b7-01",
        List.of(tracestate))).start();
    assertThat(get(url("/ok"), parent)).isEqualTo(200);
    parent.end();
    SpanData call = named(take(2), "GET /ok");
    assertThat(call.traceId()).isEqualTo(trace);
    assertThat(headersReceivedOn("/ok")).containsEntry(W3CTraceContext.TRACEPARENT, traceparentOf(call))
        .containsEntry(W3CTraceContext.TRACESTATE, tracestate);
  }

  @Test
  void anUnsampledTraceExportsNothingButPropagatesTheDecision() throws Exception {
    String trace = "0af7651916cd43dd8448eb211c80319c";
    Span parent = tracer.spanBuilder("parent").parent(W3CTraceContext.parse("00-" + trace + "-b7ad6b7169203331-00",
        List.of())).start();
    assertThat(parent.isRecording()).as("the caller's decision is honoured").isFalse();
    assertThat(get(url("/ok"), parent)).isEqualTo(200);
    parent.end();
    String traceparent = headersReceivedOn("/ok").get(W3CTraceContext.TRACEPARENT);
    assertThat(traceparent).as("the same trace, still not sampled").startsWith("00-" + trace + "-").endsWith("-00");
    assertThat(spans.pending()).isEmpty();
  }

  @Test
  void aCallWithoutACurrentSpan() throws Exception {
    assertThat(get(url("/ok"), null)).isEqualTo(200);
    Map<String, String> headers = headersReceivedOn("/ok");
    if (tracesCallsWithoutACurrentSpan()) {
      SpanData call = spans.take("GET /ok");
      assertThat(call).hasNoParent();
      assertThat(headers).containsEntry(W3CTraceContext.TRACEPARENT, traceparentOf(call));
    } else {
      assertThat(headers).doesNotContainKey(W3CTraceContext.TRACEPARENT);
      assertThat(spans.pending()).isEmpty();
    }
  }

  @Test
  void concurrentCallsKeepTheirTracesApart() throws Exception {
    int calls = 64;
    ExecutorService callers = Executors.newFixedThreadPool(8);
    try {
      List<Future<Span>> parents = new ArrayList<>();
      for (int i = 0; i < calls; i++) {
        String path = "/orders/" + i;
        parents.add(callers.submit(() -> {
          Span parent = tracer.spanBuilder("parent " + path).start();
          try {
            assertThat(get(url(path), parent)).isEqualTo(200);
          } finally {
            parent.end();
          }
          return parent;
        }));
      }
      for (Future<Span> parent : parents) {
        parent.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
    } finally {
      callers.shutdownNow();
    }
    Map<String, SpanData> ended = take(calls * 2);
    for (int i = 0; i < calls; i++) {
      SpanData call = named(ended, "GET /orders/" + i);
      assertThat(call).hasParent(named(ended, "parent /orders/" + i));
      assertThat(headersReceivedOn("/orders/" + i)).containsEntry(W3CTraceContext.TRACEPARENT, traceparentOf(call));
    }
  }
}
