package io.weft.http.netty;

import static io.weft.testing.SpanAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.Span;
import io.weft.core.SpanContext;
import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.core.sampler.Sampler;
import io.weft.testing.StrictSpanSink;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * Three services, each a traced reactor-netty server that calls the next with a traced client: A → B → C. One trace,
 * the exact parent chain, the caller's sampling decision honoured everywhere, {@code tracestate} unchanged.
 */
class PropagationChainTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String CALLER = "00f067aa0ba902b7";

  @RegisterExtension final StrictSpanSink spans = StrictSpanSink.create();
  final AtomicReference<SpanContext> seenAtC = new AtomicReference<>();
  private DisposableServer a;
  private DisposableServer b;
  private DisposableServer c;

  @AfterEach
  void stop() {
    for (DisposableServer server : new DisposableServer[] {a, b, c}) {
      if (server != null) {
        server.disposeNow(TIMEOUT);
      }
    }
  }

  private Tracer tracer(String service, Sampler sampler) {
    return Tracer.builder().serviceName(service).sampler(sampler).exporter(spans).build();
  }

  private DisposableServer service(Tracer tracer, String route, String next) {
    HttpClient client = ReactorNettyClientTracing.create(tracer).decorate(HttpClient.create());
    return HttpServer.create().host("127.0.0.1").port(0)
        .handle(ReactorNettyServerTracing.create(tracer).routes(routes -> routes.get(route, (req, res) -> {
          if (next == null) {
            return Mono.deferContextual(ctx -> {
              seenAtC.set(Span.fromContext(ctx).context());
              return res.sendString(Mono.just("C")).then();
            });
          }
          return res.sendString(client.get().uri(next).responseSingle((r, body) -> body.asString())
              .map(text -> route + ">" + text));
        })))
        .bindNow();
  }

  private void startChain(Sampler samplerAtA) {
    c = service(tracer("C", Sampler.alwaysOn()), "/c", null);
    b = service(tracer("B", Sampler.alwaysOn()), "/b", "http://127.0.0.1:" + c.port() + "/c");
    a = service(tracer("A", samplerAtA), "/a", "http://127.0.0.1:" + b.port() + "/b");
  }

  private String callA(String traceparent) {
    return HttpClient.create().headers(h -> {
      if (traceparent != null) {
        h.set("traceparent", traceparent).set("tracestate", "vendor=abc,other=x");
      }
    }).get().uri("http://127.0.0.1:" + a.port() + "/a").responseSingle((r, body) -> body.asString())
        .block(TIMEOUT);
  }

  @Test
  void oneTraceWithTheExactParentChainAndTraceStateUnchanged() {
    startChain(Sampler.alwaysOn());
    assertThat(callA("00-" + TRACE + "-" + CALLER + "-01")).isEqualTo("/a>/b>C");
    Map<String, SpanData> byName = new HashMap<>();
    for (SpanData span : spans.take(5)) {
      byName.put(span.name() + "@" + span.resource().serviceName(), span);
    }
    SpanData serverA = byName.get("GET /a@A");
    SpanData clientA = byName.get("GET /b@A");
    SpanData serverB = byName.get("GET /b@B");
    SpanData clientB = byName.get("GET /c@B");
    SpanData serverC = byName.get("GET /c@C");
    assertThat(List.of(serverA, clientA, serverB, clientB, serverC)).doesNotContainNull()
        .allSatisfy(span -> assertThat(span.traceId()).isEqualTo(TRACE));
    assertThat(serverA.parentSpanId()).isEqualTo(CALLER);
    assertThat(clientA).hasParent(serverA);
    assertThat(serverB).hasParent(clientA);
    assertThat(clientB).hasParent(serverB);
    assertThat(serverC).hasParent(clientB);
    assertThat(seenAtC.get().traceState()).isEqualTo("vendor=abc,other=x");
    assertThat(seenAtC.get().spanId()).isEqualTo(serverC.spanId());
  }

  @Test
  void callersUnsampledDecisionIsHonouredByEveryService() {
    startChain(Sampler.alwaysOn());
    assertThat(callA("00-" + TRACE + "-" + CALLER + "-00")).isEqualTo("/a>/b>C");
    assertThat(seenAtC.get().traceId()).isEqualTo(TRACE);
    assertThat(seenAtC.get().isSampled()).isFalse();
    assertThat(seenAtC.get().traceState()).isEqualTo("vendor=abc,other=x");
    assertThat(spans.pending()).isEmpty();
  }

  @Test
  void decisionTakenAtTheRootIsHonouredDownstream() {
    startChain(Sampler.alwaysOff());
    assertThat(callA(null)).isEqualTo("/a>/b>C");
    assertThat(seenAtC.get().isValid()).isTrue();
    assertThat(seenAtC.get().isSampled()).isFalse();
    assertThat(spans.pending()).isEmpty();
  }
}
