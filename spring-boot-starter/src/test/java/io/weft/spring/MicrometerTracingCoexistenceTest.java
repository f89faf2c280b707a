package io.weft.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.weft.core.Tracer;
import io.weft.core.export.InMemorySpanExporter;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Micrometer Tracing with its OpenTelemetry bridge, as Spring Boot sets it up, in the same application as Weft:
 * Weft's predicate keeps Boot's HTTP server observation from becoming a second span of the same request.
 */
class MicrometerTracingCoexistenceTest {
  /** What Micrometer Tracing's OpenTelemetry SDK exports. */
  static final List<SpanData> OTEL_SPANS = new CopyOnWriteArrayList<>();
  /** What Weft exports; one per application (an exporter is shut down with its context). */
  static volatile InMemorySpanExporter weftSpans = InMemorySpanExporter.create();

  @Configuration(proxyBeanMethods = false)
  static class Exporters {
    @Bean
    SpanExporter collectingExporter() {
      return new SpanExporter() {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
          OTEL_SPANS.addAll(spans);
          return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
          return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
          return CompletableResultCode.ofSuccess();
        }
      };
    }

    @Bean
    Tracer weftTracer() {
      return Tracer.builder().serviceName("inventory").exporter(weftSpans).build();
    }
  }

  /** Spans each side recorded for one request to inventory. */
  record Recorded(List<String> otel, List<String> weft) {}

  static Recorded oneRequest(String... properties) {
    OTEL_SPANS.clear();
    weftSpans = InMemorySpanExporter.create();
    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(TestApps.Inventory.class, Exporters.class)
        .properties("server.port=0", "server.address=127.0.0.1", "management.tracing.sampling.probability=1.0")
        .properties(properties).run()) {
      String port = app.getEnvironment().getRequiredProperty("local.server.port");
      assertThat(WebClient.create("http://127.0.0.1:" + port).get().uri("/stock/5").retrieve()
          .bodyToMono(String.class).block(Duration.ofSeconds(30))).isEqualTo("in stock: 5");
      app.getBean(Tracer.class).flush().block(Duration.ofSeconds(30));
      assertThat(app.getBean(SdkTracerProvider.class).forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
    return new Recorded(OTEL_SPANS.stream().map(SpanData::getName).toList(),
        weftSpans.spans().stream().map(io.weft.core.export.SpanData::name).toList());
  }

  @Test
  void aRequestIsOneSpanNotTwo() {
    Recorded recorded = oneRequest();
    assertThat(recorded.weft()).containsExactly("GET /stock/{id}");
    assertThat(recorded.otel()).as("Micrometer Tracing's server span is turned off").isEmpty();
  }

  @Test
  void withoutTheSuppressionBothRecordIt() {
    Recorded recorded = oneRequest("weft.suppress-duplicate-observations.enabled=false",
        "weft.observations.enabled=false");
    assertThat(recorded.weft()).containsExactly("GET /stock/{id}");
    assertThat(recorded.otel()).as("the control: the duplicate this starter prevents").hasSize(1);
  }
}
