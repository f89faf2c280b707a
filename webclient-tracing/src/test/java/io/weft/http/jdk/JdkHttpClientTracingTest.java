package io.weft.http.jdk;

import static io.weft.core.instrumentation.SemanticAttributes.ERROR_TYPE;
import static io.weft.core.instrumentation.SemanticAttributes.HTTP_REQUEST_METHOD;
import static io.weft.core.instrumentation.SemanticAttributes.HTTP_RESPONSE_STATUS_CODE;
import static io.weft.core.instrumentation.SemanticAttributes.URL_FULL;
import static io.weft.core.instrumentation.SemanticAttributes.WEFT_CANCELLED;
import static io.weft.testing.SpanAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.handler.codec.http.HttpHeaders;
import io.weft.core.SpanKind;
import io.weft.core.SpanScope;
import io.weft.core.StatusCode;
import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.testing.StrictSpanSink;
import java.net.Authenticator;
import java.net.ConnectException;
import java.net.CookieManager;
import java.net.PasswordAuthentication;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * What only the JDK's {@code HttpClient} has, against a real reactor-netty server on loopback (the server answers by
 * path and echoes the propagation headers it received as {@code seen-*} response headers): redirects it follows
 * itself, asynchronous sends and their cancellation, request timeouts, userinfo in a {@code URI}, the traced copy of
 * an immutable request, route templates carried on the request, and the decorated client's delegation. What every
 * HTTP client shares is {@link JdkClientSuiteTest}.
 */
@SuppressWarnings("try") // scopes are opened for their side effect (the current span), not referenced
class JdkHttpClientTracingTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private static DisposableServer server;
  private static String base;
  private static HttpClient plain;
  private static HttpClient redirecting;
  /** Every request the server received: its path and its traceparent headers. */
  private static final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
  /** How each {@code /hang} handler ended on the server (cancelled when the client went away). */
  private static final LinkedBlockingQueue<SignalType> hangEnded = new LinkedBlockingQueue<>();

  @RegisterExtension final StrictSpanSink spans = StrictSpanSink.create();
  final Tracer tracer = spans.tracer("checkout");

  record Received(String path, List<String> traceparents) {}

  @BeforeAll
  static void startServer() {
    server = HttpServer.create()
        .host("127.0.0.1")
        .port(0)
        .handle((request, response) -> {
          String path = URI.create(request.uri()).getPath();
          HttpHeaders headers = request.requestHeaders();
          received.add(new Received(path, headers.getAll("traceparent")));
          echo(headers, "traceparent", response::header);
          echo(headers, "tracestate", response::header);
          echo(headers, "Request-Id", response::header);
          response.header("seen-traceparent-count", Integer.toString(headers.getAll("traceparent").size()));
          if (path.startsWith("/status/")) {
            return response.status(Integer.parseInt(path.substring("/status/".length()))).send();
          }
          switch (path) {
            case "/redirect":
              return response.status(301).header("Location", "/status/200").send();
            case "/slow":
              return Mono.delay(Duration.ofSeconds(5)).then(response.sendString(Mono.just("late")).then());
            case "/hang":
              return Mono.<Void>never().doFinally(hangEnded::add);
            default:
              return response.sendString(Mono.just("ok"));
          }
        })
        .bindNow(TIMEOUT);
    base = "http://127.0.0.1:" + server.port();
    plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    redirecting = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();
  }

  @AfterAll
  static void stopServer() {
    server.disposeNow(TIMEOUT);
  }

  @BeforeEach
  void clearServerRecords() {
    received.clear();
    hangEnded.clear();
  }

  private static void echo(HttpHeaders headers, String name, java.util.function.BiFunction<String, String, ?> out) {
    List<String> values = headers.getAll(name);
    if (!values.isEmpty()) {
      out.apply("seen-" + name.toLowerCase(java.util.Locale.ROOT), String.join(",", values));
    }
  }

  private static HttpRequest get(String pathAndQuery) {
    return get(URI.create(base + pathAndQuery));
  }

  private static HttpRequest get(URI uri) {
    return HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build();
  }

  private HttpClient traced() {
    return JdkHttpClientTracing.create(tracer).decorate(plain);
  }

  private static String traceparent(SpanData span, String flags) {
    return "00-" + span.traceId() + "-" + span.spanId() + "-" + flags;
  }

  private static @Nullable String seen(HttpResponse<?> response, String name) {
    return response.headers().firstValue("seen-" + name).orElse(null);
  }

  private static long port() {
    return server.port();
  }

  @Test
  void followedRedirectIsOneSpanWithTheFinalStatus() throws Exception {
    HttpClient client = JdkHttpClientTracing.create(tracer).decorate(redirecting);

    HttpResponse<String> response = client.send(get("/redirect"), BodyHandlers.ofString());

    SpanData span = spans.take("GET /redirect");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(span)
        .hasStatus(StatusCode.UNSET)
        .hasAttribute(HTTP_RESPONSE_STATUS_CODE, 200L)
        .hasAttribute(URL_FULL, base + "/redirect");
    // Both hops carry the headers of the one span.
    List<Received> hops = List.of(poll(received), poll(received));
    assertThat(hops).extracting(Received::path).containsExactly("/redirect", "/status/200");
    assertThat(hops).allSatisfy(hop -> assertThat(hop.traceparents()).containsExactly(traceparent(span, "01")));
  }

  @Test
  void redirectNotFollowedIsTheRedirectStatus() throws Exception {
    HttpResponse<String> response = traced().send(get("/redirect"), BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(301);
    assertThat(spans.take("GET /redirect"))
        .hasStatus(StatusCode.UNSET)
        .hasAttribute(HTTP_RESPONSE_STATUS_CODE, 301L);
  }

  @Test
  void refusedConnectionFailsTheAsyncSpan() {
    URI closed = URI.create("http://127.0.0.1:" + closedPort() + "/orders/1");

    CompletableFuture<HttpResponse<String>> future = traced().sendAsync(get(closed), BodyHandlers.ofString());

    assertThatThrownBy(() -> future.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(ConnectException.class);
    SpanData span = spans.take("GET /orders/1");
    assertThat(span)
        .hasStatus(StatusCode.ERROR)
        .hasException(ConnectException.class)
        .hasAttribute(ERROR_TYPE, "java.net.ConnectException");
  }

  @Test
  void requestTimeoutFailsWithHttpTimeoutException() {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/slow")).timeout(Duration.ofMillis(300)).build();

    Throwable thrown = catchThrowable(() -> traced().send(request, BodyHandlers.ofString()));

    assertThat(thrown).isExactlyInstanceOf(HttpTimeoutException.class);
    SpanData span = spans.take("GET /slow");
    assertThat(span)
        .hasStatus(StatusCode.ERROR)
        .hasAttribute(ERROR_TYPE, "java.net.http.HttpTimeoutException")
        .doesNotHaveAttribute(HTTP_RESPONSE_STATUS_CODE);
    assertThat(span.exception()).isSameAs(thrown);
  }

  @Test
  void cancellingTheFutureEndsTheSpanCancelled() {
    CompletableFuture<HttpResponse<String>> future = traced().sendAsync(get("/hang"), BodyHandlers.ofString());
    assertThat(poll(received).path()).isEqualTo("/hang"); // the exchange is in flight

    assertThat(future.cancel(true)).isTrue();

    // JDK 17 quirk: cancel(true) returns true, but the future may end up completed exceptionally with a
    // CompletionException around the client's own CancellationException instead of cancelled itself (isCancelled()
    // false): the client cancels the exchange first, and that completion can reach the returned future first.
    Throwable outcome = catchThrowable(() -> future.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
    assertThat(outcome instanceof CancellationException || outcome.getCause() instanceof CancellationException)
        .as("cancelled, or failed with a CancellationException: %s", outcome)
        .isTrue();
    SpanData span = spans.take("GET /hang");
    assertThat(span).wasCancelled().hasStatus(StatusCode.UNSET).hasAttribute(WEFT_CANCELLED, true);
    assertThat(span.exception()).isNull();
    // The JDK aborts the exchange: the connection closes and the server's handler is cancelled.
    assertThat(poll(hangEnded)).isEqualTo(SignalType.CANCEL);
  }

  @Test
  void asyncCallsAreTracedWithEitherOverload() throws Exception {
    HttpClient client = traced();
    HttpResponse<String> two;
    HttpResponse<String> three;
    try (SpanScope scope = tracer.spanBuilder("parent").startScoped()) {
      CompletableFuture<HttpResponse<String>> first = client.sendAsync(get("/a"), BodyHandlers.ofString());
      CompletableFuture<HttpResponse<String>> second = client.sendAsync(get("/b"), BodyHandlers.ofString(), null);
      two = first.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      three = second.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
    Map<String, SpanData> byName = spans.take(3).stream().collect(Collectors.toMap(SpanData::name, s -> s));
    SpanData parent = byName.get("parent");
    assertThat(byName.get("GET /a")).hasParent(parent).hasKind(SpanKind.CLIENT)
        .hasAttribute(HTTP_RESPONSE_STATUS_CODE, 200L);
    assertThat(byName.get("GET /b")).hasParent(parent).hasAttribute(HTTP_RESPONSE_STATUS_CODE, 200L);
    assertThat(seen(two, "traceparent")).isEqualTo(traceparent(byName.get("GET /a"), "01"));
    assertThat(seen(three, "traceparent")).isEqualTo(traceparent(byName.get("GET /b"), "01"));
  }

  @Test
  void urlIsRecordedWithoutUserinfoAndWithQueryValuesRedacted() throws Exception {
    URI uri = URI.create("http://alice:s3cret@127.0.0.1:" + port() + "/orders/1?token=abc&page=2&flag#frag");

    traced().send(get(uri), BodyHandlers.ofString());

    assertThat(spans.take("GET /orders/1"))
        .hasAttribute(URL_FULL, base + "/orders/1?token=REDACTED&page=REDACTED&flag");
  }

  @Test
  void propagationHeadersSetByTheCallerAreReplaced() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/orders/1"))
        .timeout(TIMEOUT)
        .header("traceparent", "00-11111111111111111111111111111111-2222222222222222-01")
        .header("tracestate", "stale=1")
        .header("Request-Id", "|stale.1.")
        .header("X-Kept", "yes")
        .build();

    HttpResponse<String> response = traced().send(request, BodyHandlers.ofString());

    SpanData span = spans.take("GET /orders/1");
    assertThat(span).hasNoParent();
    assertThat(seen(response, "traceparent")).isEqualTo(traceparent(span, "01"));
    assertThat(seen(response, "traceparent-count")).isEqualTo("1");
    assertThat(seen(response, "tracestate")).isNull();
    assertThat(seen(response, "request-id")).isNull();
    assertThat(request.headers().firstValue("traceparent")).hasValue(
        "00-11111111111111111111111111111111-2222222222222222-01"); // the caller's request is untouched
  }

  @Test
  void otherRequestPropertiesSurviveTheCopy() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/orders"))
        .timeout(TIMEOUT)
        .header("X-Kept", "yes")
        .POST(HttpRequest.BodyPublishers.ofString("{\"id\":1}"))
        .build();

    HttpResponse<String> response = traced().send(request, BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.request().method()).isEqualTo("POST");
    assertThat(response.request().headers().firstValue("X-Kept")).hasValue("yes");
    assertThat(response.request().timeout()).hasValue(TIMEOUT);
    assertThat(spans.take("POST /orders")).hasAttribute(HTTP_REQUEST_METHOD, "POST");
  }

  @Test
  void routeTemplateNamesTheSpan() throws Exception {
    HttpRequest routed = JdkHttpClientTracing.withRoute(get("/orders/42?expand=lines"), "/orders/{id}");

    HttpResponse<String> response = traced().send(routed, BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(spans.take("GET /orders/{id}"))
        .hasAttribute(URL_FULL, base + "/orders/42?expand=REDACTED");
    // A routed request is still an ordinary request for an undecorated client.
    assertThat(plain.send(routed, BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertThat(routed.uri()).isEqualTo(URI.create(base + "/orders/42?expand=lines"));
  }

  @Test
  void decoratedClientDelegatesItsConfiguration() {
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      CookieManager cookies = new CookieManager();
      Authenticator authenticator = new Authenticator() {
        @Override
        protected PasswordAuthentication getPasswordAuthentication() {
          return new PasswordAuthentication("alice", new char[0]);
        }
      };
      ProxySelector proxy = ProxySelector.of(null);
      HttpClient original = HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.ALWAYS)
          .connectTimeout(Duration.ofSeconds(3))
          .cookieHandler(cookies)
          .authenticator(authenticator)
          .proxy(proxy)
          .executor(executor)
          .build();
      JdkHttpClientTracing tracing = JdkHttpClientTracing.create(tracer);

      HttpClient decorated = tracing.decorate(original);

      assertThat(decorated).isNotSameAs(original);
      assertThat(decorated.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      assertThat(decorated.followRedirects()).isEqualTo(HttpClient.Redirect.ALWAYS);
      assertThat(decorated.connectTimeout()).hasValue(Duration.ofSeconds(3));
      assertThat(decorated.cookieHandler()).containsSame(cookies);
      assertThat(decorated.authenticator()).containsSame(authenticator);
      assertThat(decorated.proxy()).containsSame(proxy);
      assertThat(decorated.executor()).containsSame(executor);
      assertThat(decorated.sslContext()).isSameAs(original.sslContext());
      assertThat(decorated.sslParameters().getProtocols()).isEqualTo(original.sslParameters().getProtocols());
      assertThat(decorated.newWebSocketBuilder()).isNotNull();
      assertThat(tracing.decorate(decorated)).isSameAs(decorated);
      assertThat(JdkHttpClientTracing.create(tracer).decorate(decorated)).isNotSameAs(decorated);
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void aRequestTheTracerCannotCopyGoesOutAsMade() {
    // A hand-written HttpRequest with a header HttpRequest.Builder refuses: the traced copy cannot be built, so the
    // request goes out as made and the JDK client itself rejects it, with its own exception.
    HttpRequest odd = new HandWrittenRequest(get("/orders/1"), Map.of("Connection", List.of("close")));
    JdkHttpClientTracing tracing = JdkHttpClientTracing.create(tracer);

    Throwable thrown = catchThrowable(() -> tracing.decorate(plain).send(odd, BodyHandlers.ofString()));
    Throwable untraced = catchThrowable(() -> plain.send(odd, BodyHandlers.ofString()));

    assertThat(tracing.failures()).isEqualTo(1);
    assertThat(thrown).isInstanceOf(IllegalArgumentException.class).hasMessage(untraced.getMessage());
    SpanData span = spans.take("GET /orders/1");
    assertThat(span).hasStatus(StatusCode.ERROR).hasException(IllegalArgumentException.class);
    assertThat(span.exception()).isSameAs(thrown);
  }

  @Test
  void closingTheDecoratedClientClosesTheWrappedOneOnJava21() throws Exception {
    assumeTrue(Runtime.version().feature() >= 21, "HttpClient has no lifecycle methods before Java 21");
    HttpClient original = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpClient decorated = JdkHttpClientTracing.create(tracer).decorate(original);
    assertThat(decorated.send(get("/orders/1"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    spans.take("GET /orders/1");

    HttpClient.class.getMethod("close").invoke(decorated);

    assertThat((Boolean) HttpClient.class.getMethod("isTerminated").invoke(original)).isTrue();
    assertThat((Boolean) HttpClient.class.getMethod("isTerminated").invoke(decorated)).isTrue();
  }

  private static int closedPort() {
    DisposableServer closed = HttpServer.create().host("127.0.0.1").port(0)
        .handle((request, response) -> response.send()).bindNow(TIMEOUT);
    int port = closed.port();
    closed.disposeNow(TIMEOUT);
    return port;
  }

  private static <T> T poll(LinkedBlockingQueue<T> queue) {
    try {
      T value = queue.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(value).as("nothing arrived within %s", TIMEOUT).isNotNull();
      return value;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static Throwable catchThrowable(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(call);
    assertThat(thrown).as("the call should have thrown").isNotNull();
    return thrown;
  }

  /** An {@link HttpRequest} implemented by hand, as a library might, with headers of its own. */
  private static final class HandWrittenRequest extends HttpRequest {
    private final HttpRequest delegate;
    private final java.net.http.HttpHeaders headers;

    HandWrittenRequest(HttpRequest delegate, Map<String, List<String>> headers) {
      this.delegate = delegate;
      this.headers = java.net.http.HttpHeaders.of(new HashMap<>(headers), (name, value) -> true);
    }

    @Override
    public Optional<BodyPublisher> bodyPublisher() {
      return delegate.bodyPublisher();
    }

    @Override
    public String method() {
      return delegate.method();
    }

    @Override
    public Optional<Duration> timeout() {
      return delegate.timeout();
    }

    @Override
    public boolean expectContinue() {
      return delegate.expectContinue();
    }

    @Override
    public URI uri() {
      return delegate.uri();
    }

    @Override
    public Optional<HttpClient.Version> version() {
      return delegate.version();
    }

    @Override
    public java.net.http.HttpHeaders headers() {
      return headers;
    }
  }
}
