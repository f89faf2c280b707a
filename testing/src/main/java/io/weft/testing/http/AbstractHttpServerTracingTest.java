package io.weft.testing.http;

import static io.weft.core.instrumentation.SemanticAttributes.CLIENT_ADDRESS;
import static io.weft.core.instrumentation.SemanticAttributes.ERROR_TYPE;
import static io.weft.core.instrumentation.SemanticAttributes.HTTP_REQUEST_METHOD;
import static io.weft.core.instrumentation.SemanticAttributes.HTTP_RESPONSE_STATUS_CODE;
import static io.weft.core.instrumentation.SemanticAttributes.HTTP_ROUTE;
import static io.weft.core.instrumentation.SemanticAttributes.URL_FULL;
import static io.weft.core.instrumentation.SemanticAttributes.URL_PATH;
import static io.weft.core.instrumentation.SemanticAttributes.URL_SCHEME;
import static io.weft.core.instrumentation.SemanticAttributes.USER_AGENT_ORIGINAL;
import static io.weft.testing.SpanAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.Span;
import io.weft.core.SpanContext;
import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.core.propagation.W3CTraceContext;
import io.weft.testing.StrictSpanSink;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The tests every traced HTTP server passes, whatever library serves: extend this class and say in {@link #start}
 * how to run your server with an {@link HttpTracing}, serving the routes listed there; the suite calls it over
 * loopback with the JDK's own {@code HttpClient}, so that no Weft code runs on the calling side.
 *
 * <p>It checks the rules every Weft HTTP server integration shares, because they all apply the one {@link
 * io.weft.core.instrumentation.HttpServerHandler}: a SERVER span continuing the caller's {@code traceparent} and
 * {@code tracestate} (every W3C edge case: missing, invalid, upper-case hex, a future version, too many members,
 * repeated headers), current in the handler, named after the matched route, with method, path, URL (query values
 * redacted), scheme, client address, user agent and status code; 5xx and handler failures fail it, 4xx only when
 * configured; an unsampled caller gets no span but its decision travels on; {@code traceresponse} only when
 * configured; concurrent requests keep their traces apart.
 */
public abstract class AbstractHttpServerTracingTest {
  /** The bound on every wait in the suite. */
  protected static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
  private static final String CALLER = "b7ad6b7169203331";
  private static final String TRACEPARENT = "00-" + TRACE + "-" + CALLER + "-01";

  @RegisterExtension protected final StrictSpanSink spans = StrictSpanSink.create();
  /** The tracer of the suite's {@link HttpTracing}: it samples everything and exports to {@link #spans}. */
  protected final Tracer tracer = spans.tracer("server-service");

  /** What each {@code /orders/{id}} handler saw as its current span, by id. */
  private final Map<String, Span> seen = new ConcurrentHashMap<>();
  private final List<Server> servers = new ArrayList<>();
  private final HttpClient caller = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(TIMEOUT).build();

  /** A running traced server of the library under test. */
  protected interface Server {
    /** The port it listens on, on 127.0.0.1. */
    int port();

    /** Stops it (called after each test). */
    void close() throws Exception;
  }

  /**
   * Starts the library's server on 127.0.0.1, port 0, traced with {@code tracing}, serving:
   *
   * <ul>
   *   <li>{@code GET /orders/{id}}: 200 with body {@code order <id>}; its handler reports the span current for it
   *       (however the library gives a handler its request's span) through {@link #seen(String, Span)};
   *   <li>{@code POST /orders}: 201;
   *   <li>{@code GET /teapot}: 418;
   *   <li>{@code GET /boom}: the handler fails with an {@code IllegalStateException} (the library answers 500);
   *   <li>anything else: 404.
   * </ul>
   *
   * The suite stops it after the test.
   */
  protected abstract Server start(HttpTracing tracing) throws Exception;

  /** Whether spans are named after the route template and record {@code http.route} (false without a router). */
  protected boolean namesSpansAfterRoutes() {
    return true;
  }

  /** Whether a failing handler's exception is recorded on the span (a router that answers 500 itself may not say). */
  protected boolean recordsHandlerExceptions() {
    return true;
  }

  /** For the {@code /orders/{id}} handler: the span current for it. */
  protected final void seen(String id, Span current) {
    seen.put(id, current);
  }

  @AfterEach
  void stopServers() throws Exception {
    for (Server server : servers) {
      server.close();
    }
  }

  private int serve(HttpTracing tracing) throws Exception {
    Server server = start(tracing);
    servers.add(server);
    return server.port();
  }

  private int serve() throws Exception {
    return serve(HttpTracing.create(tracer));
  }

  private HttpResponse<String> call(int port, String method, String pathAndQuery,
      UnaryOperator<HttpRequest.Builder> headers) throws Exception {
    HttpRequest request = headers.apply(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .timeout(TIMEOUT).method(method, HttpRequest.BodyPublishers.noBody())).build();
    return caller.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(int port, String pathAndQuery, UnaryOperator<HttpRequest.Builder> headers)
      throws Exception {
    return call(port, "GET", pathAndQuery, headers);
  }

  private String order(String id) {
    return namesSpansAfterRoutes() ? "GET /orders/{id}" : "GET /orders/" + id;
  }

  private Span seen(String id) {
    Span span = seen.get(id);
    if (span == null) {
      throw new AssertionError("the handler of /orders/" + id + " did not report its current span");
    }
    return span;
  }

  @Test
  void aRequestContinuesTheCallersTraceAndItsSpanIsCurrentInTheHandler() throws Exception {
    int port = serve();
    HttpResponse<String> response = get(port, "/orders/42?secret=x", b -> b.header("traceparent", TRACEPARENT)
        .header("tracestate", "vendor=abc").header("User-Agent", "weft-test"));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("order 42");
    SpanData span = spans.take(order("42"));
    assertThat(span).hasKind(SpanKind.SERVER).hasStatus(StatusCode.UNSET)
        .hasAttribute(HTTP_REQUEST_METHOD, "GET")
        .hasAttribute(URL_PATH, "/orders/42")
        .hasAttribute(URL_FULL, "http://127.0.0.1:" + port + "/orders/42?secret=REDACTED")
        .hasAttribute(URL_SCHEME, "http")
        .hasAttribute(CLIENT_ADDRESS, "127.0.0.1")
        .hasAttribute(USER_AGENT_ORIGINAL, "weft-test")
        .hasAttribute(HTTP_RESPONSE_STATUS_CODE, 200L)
        .doesNotHaveAttribute(ERROR_TYPE);
    if (namesSpansAfterRoutes()) {
      assertThat(span).hasAttribute(HTTP_ROUTE, "/orders/{id}");
    }
    assertThat(span.cancelled()).as("a request served in full is not cancelled").isFalse();
    assertThat(span.traceId()).isEqualTo(TRACE);
    assertThat(span.parentSpanId()).isEqualTo(CALLER);
    assertThat(seen("42").context().spanId()).as("the span is current in the handler").isEqualTo(span.spanId());
    assertThat(seen("42").context().traceState()).isEqualTo("vendor=abc");
    assertThat(response.headers().firstValue(W3CTraceContext.TRACERESPONSE)).as("only when configured").isEmpty();
  }

  @Test
  void traceHeadersFollowW3CRulesInEveryEdgeCase() throws Exception {
    int port = serve();
    // Missing: a new trace.
    get(port, "/orders/1", b -> b);
    assertThat(spans.take(order("1"))).hasNoParent();
    // Invalid (all-zero trace id): ignored, a new trace.
    get(port, "/orders/2", b -> b.header("traceparent", "00-" + "0".repeat(32) + "-" + CALLER + "-01"));
    SpanData invalid = spans.take(order("2"));
    assertThat(invalid).hasNoParent();
    assertThat(invalid.traceId()).isNotEqualTo("0".repeat(32));
    // Upper-case header name: header names are case-insensitive.
    get(port, "/orders/3", b -> b.header("TRACEPARENT", TRACEPARENT));
    assertThat(spans.take(order("3")).traceId()).isEqualTo(TRACE);
    // Upper-case hex in the value: invalid per W3C, ignored.
    get(port, "/orders/4", b -> b.header("traceparent", "00-" + TRACE.toUpperCase() + "-" + CALLER + "-01"));
    assertThat(spans.take(order("4"))).hasNoParent();
    // A future version with an extra field: read by its first four fields.
    get(port, "/orders/5", b -> b.header("traceparent", "cc-" + TRACE + "-" + CALLER + "-01-what-the-future"));
    assertThat(spans.take(order("5")).parentSpanId()).isEqualTo(CALLER);
    // Over 32 tracestate members: tracestate dropped, traceparent kept.
    StringBuilder state = new StringBuilder();
    for (int i = 0; i < 33; i++) {
      state.append(i == 0 ? "" : ",").append("k").append(i).append("=v");
    }
    get(port, "/orders/6", b -> b.header("traceparent", TRACEPARENT).header("tracestate", state.toString()));
    assertThat(spans.take(order("6")).traceId()).isEqualTo(TRACE);
    assertThat(seen("6").context().traceState()).isNull();
    // Two traceparent headers: ambiguous, ignored, a new trace.
    get(port, "/orders/7", b -> b.header("traceparent", TRACEPARENT).header("traceparent", TRACEPARENT));
    assertThat(spans.take(order("7"))).hasNoParent();
    // tracestate split over several headers: joined in arrival order.
    get(port, "/orders/8", b -> b.header("traceparent", TRACEPARENT).header("tracestate", "a=1")
        .header("tracestate", "b=2").header("tracestate", "c=3"));
    assertThat(spans.take(order("8")).parentSpanId()).isEqualTo(CALLER);
    assertThat(seen("8").context().traceState()).isEqualTo("a=1,b=2,c=3");
    // A repeated tracestate key: the first member kept, the trace state still propagated.
    get(port, "/orders/9", b -> b.header("traceparent", TRACEPARENT).header("tracestate", "foo=1,foo=2"));
    assertThat(spans.take(order("9")).parentSpanId()).isEqualTo(CALLER);
    assertThat(seen("9").context().traceState()).isEqualTo("foo=1");
  }

  @Test
  void anUnsampledCallerGetsNoSpanButItsDecisionReachesTheHandler() throws Exception {
    int port = serve();
    assertThat(get(port, "/orders/7", b -> b.header("traceparent", "00-" + TRACE + "-" + CALLER + "-00"))
        .statusCode()).isEqualTo(200);
    SpanContext context = seen("7").context();
    assertThat(context.traceId()).isEqualTo(TRACE);
    assertThat(context.isSampled()).isFalse();
    assertThat(spans.pending()).isEmpty();
  }

  @Test
  void unmatchedRequestsAndClientErrorsAreNotFailuresByDefault() throws Exception {
    int port = serve();
    assertThat(get(port, "/nowhere?x=1", b -> b).statusCode()).isEqualTo(404);
    assertThat(spans.take("GET /nowhere")).hasStatus(StatusCode.UNSET).hasAttribute(HTTP_RESPONSE_STATUS_CODE, 404L)
        .doesNotHaveAttribute(HTTP_ROUTE).doesNotHaveAttribute(ERROR_TYPE);
    assertThat(get(port, "/teapot", b -> b).statusCode()).isEqualTo(418);
    assertThat(spans.take("GET /teapot")).hasStatus(StatusCode.UNSET).hasAttribute(HTTP_RESPONSE_STATUS_CODE, 418L);
  }

  @Test
  void clientErrorsFailWhenAskedFor() throws Exception {
    int port = serve(HttpTracing.builder(tracer).clientErrorsFail(true).build());
    assertThat(get(port, "/teapot", b -> b).statusCode()).isEqualTo(418);
    assertThat(spans.take("GET /teapot")).hasStatus(StatusCode.ERROR).hasAttribute(ERROR_TYPE, "418");
  }

  @Test
  void aFailingHandlerIsAFailed500AndTheServerKeepsServing() throws Exception {
    int port = serve();
    assertThat(get(port, "/boom", b -> b).statusCode()).isEqualTo(500);
    SpanData boom = spans.take("GET /boom");
    assertThat(boom).hasStatus(StatusCode.ERROR).hasAttribute(HTTP_RESPONSE_STATUS_CODE, 500L);
    if (recordsHandlerExceptions()) {
      assertThat(boom).hasException(IllegalStateException.class)
          .hasAttribute(ERROR_TYPE, IllegalStateException.class.getName());
    } else {
      assertThat(boom).hasAttribute(ERROR_TYPE, "500");
    }
    assertThat(get(port, "/orders/8", b -> b).statusCode()).isEqualTo(200);
    spans.take(order("8"));
  }

  @Test
  void traceresponseNamesTheRequestSpanWhenAskedFor() throws Exception {
    int port = serve(HttpTracing.builder(tracer).traceResponse(true).build());
    HttpResponse<String> response = get(port, "/orders/9", b -> b.header("traceparent", TRACEPARENT));
    SpanData span = spans.take(order("9"));
    assertThat(response.headers().firstValue(W3CTraceContext.TRACERESPONSE))
        .hasValue("00-" + TRACE + "-" + span.spanId() + "-01");
  }

  @Test
  void otherMethodsAreNamedAfterTheirRouteToo() throws Exception {
    int port = serve();
    assertThat(call(port, "POST", "/orders", b -> b).statusCode()).isEqualTo(201);
    SpanData created = spans.take("POST /orders");
    assertThat(created).hasAttribute(HTTP_REQUEST_METHOD, "POST").hasAttribute(HTTP_RESPONSE_STATUS_CODE, 201L);
    if (namesSpansAfterRoutes()) {
      assertThat(created).hasAttribute(HTTP_ROUTE, "/orders");
    }
  }

  @Test
  void concurrentRequestsKeepTheirTracesApart() throws Exception {
    int port = serve();
    int requests = 64;
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      String traceparent = String.format("00-%032x-%016x-01", i + 1, i + 1);
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders/" + i))
          .timeout(TIMEOUT).header("traceparent", traceparent).build();
      answers.add(caller.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> answer : answers) {
      assertThat(answer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    Map<String, SpanData> byTrace = new HashMap<>();
    for (SpanData span : spans.take(requests)) {
      assertThat(byTrace.put(span.traceId(), span)).as("two spans in trace " + span.traceId()).isNull();
    }
    for (int i = 0; i < requests; i++) {
      SpanData span = byTrace.get(String.format("%032x", i + 1));
      if (span == null) {
        throw new AssertionError("no span for request " + i + " among " + byTrace.keySet());
      }
      assertThat(span.parentSpanId()).isEqualTo(String.format("%016x", i + 1));
      assertThat(span).hasAttribute(URL_PATH, "/orders/" + i);
      assertThat(seen(Integer.toString(i)).context().spanId()).isEqualTo(span.spanId());
    }
  }
}
