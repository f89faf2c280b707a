package io.weft.core.instrumentation;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.Span;
import io.weft.core.SpanContext;
import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import io.weft.core.Tracer;
import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import io.weft.core.propagation.W3CTraceContext;
import io.weft.core.sampler.Sampler;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The HTTP handlers over a minimal adapter (a map of headers): what every integration gets from them, and that a
 * failing adapter never reaches the traced call. The integrations' own suites run the same rules over real servers.
 */
class HttpHandlersTest {
  final InMemorySpanExporter exported = InMemorySpanExporter.create();
  final Tracer tracer = Tracer.builder().serviceName("svc").exporter(exported).build();

  /** A request: method, URL, headers; an adapter can be told to fail. */
  static final class Request {
    final String method;
    final String url;
    final Map<String, String> headers = new LinkedHashMap<>();
    boolean failReads;
    boolean failWrites;

    Request(String method, String url) {
      this.method = method;
      this.url = url;
    }
  }

  enum Adapter implements HttpClientAdapter<Request, Integer>, HttpServerAdapter<Request, Integer> {
    INSTANCE;

    @Override
    public String method(Request request) {
      if (request.failReads) {
        throw new IllegalStateException("cannot read");
      }
      return request.method;
    }

    @Override
    public String url(Request request) {
      return request.url;
    }

    @Override
    public @Nullable String host(Request request) {
      int start = request.url.indexOf("://") + 3;
      int end = request.url.indexOf('/', start);
      return request.url.substring(start, end);
    }

    @Override
    public int port(Request request) {
      return -1;
    }

    @Override
    public void setHeader(Request request, String name, String value) {
      if (request.failWrites) {
        throw new UnsupportedOperationException("headers are read-only");
      }
      request.headers.put(name, value);
    }

    @Override
    public int statusCode(Integer response) {
      return response;
    }

    @Override
    public String target(Request request) {
      return request.url.substring(request.url.indexOf('/', request.url.indexOf("://") + 3));
    }

    @Override
    public @Nullable String scheme(Request request) {
      return "http";
    }

    @Override
    public @Nullable String clientAddress(Request request) {
      return "192.0.2.1";
    }

    @Override
    public @Nullable String userAgent(Request request) {
      return null;
    }

    @Override
    public SpanContext extract(Request request) {
      return W3CTraceContext.extract(request.headers.entrySet());
    }
  }

  @Test
  void aClientCallIsNamedRecordedPropagatedAndEnded() {
    HttpTracing http = HttpTracing.builder(tracer).legacyRequestId(true).build();
    HttpClientHandler<Request, Integer> client = http.clientHandler(Adapter.INSTANCE);
    Request request = new Request("get", "https://user:pw@api.example.com/orders/42?token=x#top");

    Span span = client.handleSend(request, null, "/orders/{id}");
    client.handleReceive(span, 503, null);

    SpanData ended = exported.spans().get(0);
    assertThat(ended.name()).isEqualTo("GET /orders/{id}");
    assertThat(ended.kind()).isEqualTo(SpanKind.CLIENT);
    assertThat(ended.status()).isEqualTo(StatusCode.ERROR);
    assertThat(ended.attributes().asMap()).containsExactlyInAnyOrderEntriesOf(Map.of(
        SemanticAttributes.HTTP_REQUEST_METHOD, "get",
        SemanticAttributes.URL_FULL, "https://api.example.com/orders/42?token=REDACTED",
        SemanticAttributes.SERVER_ADDRESS, "api.example.com",
        SemanticAttributes.SERVER_PORT, 443L,
        SemanticAttributes.HTTP_ROUTE, "/orders/{id}",
        SemanticAttributes.HTTP_RESPONSE_STATUS_CODE, 503L,
        SemanticAttributes.ERROR_TYPE, "503"));
    assertThat(request.headers).containsEntry(W3CTraceContext.TRACEPARENT,
        "00-" + ended.traceId() + "-" + ended.spanId() + "-01")
        .containsEntry(HttpSpans.REQUEST_ID, "|" + ended.traceId() + "." + ended.spanId() + ".");
    assertThat(http.failures()).isZero();
  }

  @Test
  void aServerRequestContinuesTheCallerAndFailsOnlyOnServerErrorsByDefault() {
    HttpServerHandler<Request, Integer> server = HttpTracing.create(tracer).serverHandler(Adapter.INSTANCE);
    Request request = new Request("POST", "http://svc/orders?x=1");
    request.headers.put(W3CTraceContext.TRACEPARENT, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

    Span span = server.handleReceive(request);
    server.handleSend(span, 404, null);
    Span failed = server.handleReceive(new Request("GET", "http://svc/boom"));
    server.handleStatus(failed, -1, new IllegalStateException("boom"));

    SpanData notFound = exported.spans().get(0);
    assertThat(notFound.name()).isEqualTo("POST /orders");
    assertThat(notFound.parentSpanId()).isEqualTo("b7ad6b7169203331");
    assertThat(notFound.status()).isEqualTo(StatusCode.UNSET);
    assertThat(notFound.attributes().get(SemanticAttributes.URL_FULL)).isEqualTo("http://svc/orders?x=REDACTED");
    SpanData boom = exported.spans().get(1);
    assertThat(boom.status()).isEqualTo(StatusCode.ERROR);
    assertThat(boom.attributes().get(SemanticAttributes.HTTP_RESPONSE_STATUS_CODE)).isEqualTo(500L);
    assertThat(boom.attributes().get(SemanticAttributes.ERROR_TYPE)).isEqualTo(IllegalStateException.class.getName());
  }

  @Test
  void anAdapterThatFailsIsCountedAndTheCallGoesOnUntraced() {
    HttpTracing http = HttpTracing.create(tracer);
    Request unreadable = new Request("GET", "http://svc/x");
    unreadable.failReads = true;

    Span client = http.clientHandler(Adapter.INSTANCE).handleSend(unreadable, null, null);
    Span server = http.serverHandler(Adapter.INSTANCE).handleReceive(unreadable);

    assertThat(client.context().isValid()).isFalse();
    assertThat(server.context().isValid()).isFalse();
    assertThat(unreadable.headers).isEmpty();
    assertThat(http.failures()).isEqualTo(2);
    // Ending an invalid span is a no-op, and nothing was exported.
    http.clientHandler(Adapter.INSTANCE).handleReceive(client, 200, null);
    assertThat(exported.spans()).isEmpty();
  }

  @Test
  void headersTheRequestRefusesAreCountedAndTheSpanStillEnds() {
    HttpTracing http = HttpTracing.create(tracer);
    HttpClientHandler<Request, Integer> client = http.clientHandler(Adapter.INSTANCE);
    Request readOnly = new Request("GET", "http://svc/x");
    readOnly.failWrites = true;

    Span span = client.handleSend(readOnly, null, null);
    client.handleReceive(span, 200, null);

    assertThat(http.failures()).isEqualTo(1);
    assertThat(exported.spans()).extracting(SpanData::name).containsExactly("GET /x");
  }

  @Test
  void anUnsampledCallStillPropagatesAndRecordsNothing() {
    Tracer off = Tracer.builder().serviceName("svc").sampler(Sampler.alwaysOff()).exporter(exported).build();
    HttpClientHandler<Request, Integer> client = HttpTracing.create(off).clientHandler(Adapter.INSTANCE);
    Request request = new Request("GET", "http://svc/x");

    Span span = client.handleSend(request, null, null);
    client.handleReceive(span, 200, null);

    assertThat(span.isRecording()).isFalse();
    assertThat(request.headers.get(W3CTraceContext.TRACEPARENT)).endsWith("-00");
    assertThat(exported.spans()).isEmpty();
  }

  @Test
  void traceresponseOnlyWhenConfigured() {
    Span span = tracer.spanBuilder("request").start();
    assertThat(HttpTracing.create(tracer).serverHandler(Adapter.INSTANCE).traceResponse(span)).isNull();
    assertThat(HttpTracing.builder(tracer).traceResponse(true).build().serverHandler(Adapter.INSTANCE)
        .traceResponse(span)).isEqualTo(W3CTraceContext.formatTraceParent(span.context()));
    span.end();
  }
}
