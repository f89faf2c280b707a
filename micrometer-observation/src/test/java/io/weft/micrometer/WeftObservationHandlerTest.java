package io.weft.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.ReceiverContext;
import io.micrometer.observation.transport.SenderContext;
import io.weft.core.Span;
import io.weft.core.SpanKind;
import io.weft.core.SpanScope;
import io.weft.core.StatusCode;
import io.weft.core.Tracer;
import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** Hand-made observations and Spring WebClient's own observations, as Weft spans. */
class WeftObservationHandlerTest {
  final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  final Tracer tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();
  final ObservationRegistry registry = ObservationRegistry.create();
  final WeftObservationHandler handler = new WeftObservationHandler(tracer);

  {
    registry.observationConfig().observationHandler(handler);
  }

  SpanData span(String name) {
    return exporter.spans().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(
        () -> new AssertionError(name + " not in " + exporter.spans()));
  }

  @Test
  void nestedObservationsAreParentAndChildAndTheirSpanIsCurrentInsideTheScope() {
    List<String> current = new CopyOnWriteArrayList<>();
    Observation.createNotStarted("checkout", registry).lowCardinalityKeyValue("cart", "big")
        .highCardinalityKeyValue("user", "u-42")
        .observe(() -> {
          current.add(Span.current().context().spanId());
          Observation.createNotStarted("price", registry).contextualName("price cart")
              .observe(() -> current.add(Span.current().context().spanId()));
        });

    SpanData checkout = span("checkout");
    SpanData price = span("price cart");
    assertThat(checkout.kind()).isEqualTo(SpanKind.INTERNAL);
    assertThat(checkout.attributes().get("cart")).isEqualTo("big");
    assertThat(checkout.attributes().get("user")).isEqualTo("u-42");
    assertThat(price.parentSpanId()).isEqualTo(checkout.spanId());
    assertThat(price.traceId()).isEqualTo(checkout.traceId());
    assertThat(current).containsExactly(checkout.spanId(), price.spanId());
    assertThat(Span.current().context().isValid()).as("nothing left current").isFalse();
    assertThat(handler.failures()).isZero();
  }

  @Test
  void anObservationStartedInsideAWeftSpanIsItsChild() {
    try (SpanScope scope = tracer.spanBuilder("request").startScoped()) {
      Observation.createNotStarted("cache.get", registry).observe(() -> { });
    }
    assertThat(span("cache.get").parentSpanId()).isEqualTo(span("request").spanId());
  }

  @Test
  void errorsFailTheSpanAndEventsAreKept() {
    Observation observation = Observation.start("charge", registry);
    observation.event(Observation.Event.of("retry", "retrying the charge"));
    observation.error(new IllegalStateException("card declined"));
    observation.stop();

    SpanData charge = span("charge");
    assertThat(charge.status()).isEqualTo(StatusCode.ERROR);
    assertThat(charge.attributes().get("error.type")).isEqualTo(IllegalStateException.class.getName());
    assertThat(charge.attributes().get("event.retry")).isEqualTo("retrying the charge");
  }

  @Test
  void aSenderWritesTraceparentAndAReceiverContinuesIt() {
    Map<String, String> message = new HashMap<>();
    SenderContext<Map<String, String>> send = new SenderContext<>((carrier, key, value) -> carrier.put(key, value),
        io.micrometer.observation.transport.Kind.PRODUCER);
    send.setCarrier(message);
    Observation.createNotStarted("orders send", () -> send, registry).observe(() -> { });

    ReceiverContext<Map<String, String>> receive = new ReceiverContext<>((carrier, key) -> carrier.get(key),
        io.micrometer.observation.transport.Kind.CONSUMER);
    receive.setCarrier(message);
    Observation.createNotStarted("orders receive", () -> receive, registry).observe(() -> { });

    SpanData sent = span("orders send");
    SpanData received = span("orders receive");
    assertThat(sent.kind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(message.get("traceparent")).isEqualTo("00-" + sent.traceId() + "-" + sent.spanId() + "-01");
    assertThat(received.kind()).isEqualTo(SpanKind.CONSUMER);
    assertThat(received.traceId()).isEqualTo(sent.traceId());
    assertThat(received.parentSpanId()).isEqualTo(sent.spanId());
  }

  @Test
  void springsWebClientObservationsBecomeHttpClientSpansThatPropagate() {
    List<String> received = new CopyOnWriteArrayList<>();
    DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
        .route(routes -> routes.get("/items/{id}", (request, response) -> {
          received.add(request.requestHeaders().get("traceparent"));
          return response.status(request.param("id").equals("0") ? 404 : 200).sendString(Mono.just("ok"));
        }))
        .bindNow();
    try {
      WebClient client = WebClient.builder().baseUrl("http://127.0.0.1:" + server.port())
          .observationRegistry(registry).build();
      try (SpanScope scope = tracer.spanBuilder("request").startScoped()) {
        client.get().uri("/items/{id}", 7).retrieve().toBodilessEntity().block(Duration.ofSeconds(10));
        client.get().uri("/items/{id}", 0).exchangeToMono(r -> r.releaseBody()).block(Duration.ofSeconds(10));
      }
    } finally {
      server.disposeNow();
    }

    List<SpanData> calls = exporter.spans().stream().filter(s -> s.kind() == SpanKind.CLIENT).toList();
    assertThat(calls).hasSize(2).allSatisfy(call -> {
      assertThat(call.name()).isEqualTo("GET /items/{id}");
      assertThat(call.parentSpanId()).isEqualTo(span("request").spanId());
      assertThat(call.attributes().get("http.request.method")).isEqualTo("GET");
      assertThat(call.attributes().get("http.route")).isEqualTo("/items/{id}");
    });
    assertThat(calls.get(0).attributes().get("http.response.status_code")).isEqualTo(200L);
    assertThat(calls.get(0).status()).isNotEqualTo(StatusCode.ERROR);
    assertThat(calls.get(1).attributes().get("http.response.status_code")).isEqualTo(404L);
    assertThat(calls.get(1).status()).isEqualTo(StatusCode.ERROR);
    assertThat(received).containsExactly(
        "00-" + calls.get(0).traceId() + "-" + calls.get(0).spanId() + "-01",
        "00-" + calls.get(1).traceId() + "-" + calls.get(1).spanId() + "-01");
  }
}
