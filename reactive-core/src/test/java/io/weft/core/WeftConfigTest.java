package io.weft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.core.export.InMemorySpanExporter;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeftConfigTest {

  @Test
  void systemPropertyWinsOverEnvironmentAndBlankIsUnset() {
    WeftConfig config = WeftConfig.of(
        Map.of("otel.service.name", "from-property", "applicationinsights.connection.string", "  "),
        Map.of("OTEL_SERVICE_NAME", "from-env", "APPLICATIONINSIGHTS_CONNECTION_STRING", "InstrumentationKey=k"));
    assertThat(config.serviceName()).isEqualTo("from-property");
    assertThat(config.connectionString()).isEqualTo("InstrumentationKey=k");
  }

  @Test
  void serviceNameFallsBackToRoleNameThenMainClass() {
    assertThat(WeftConfig.of(Map.of(), Map.of("APPLICATIONINSIGHTS_ROLE_NAME", "role")).serviceName())
        .isEqualTo("role");
    assertThat(WeftConfig.of(Map.of("sun.java.command", "com.example.OrdersApp --port 8080"), Map.of())
        .serviceName()).isEqualTo("OrdersApp");
    assertThat(WeftConfig.of(Map.of("sun.java.command", "/opt/app/orders-service.jar"), Map.of()).serviceName())
        .isEqualTo("orders-service");
    assertThat(WeftConfig.of(Map.of(), Map.of()).serviceName()).isEqualTo("unknown_service:java");
  }

  @Test
  void samplingPercentageIsValidatedNamingTheSetting() {
    assertThat(WeftConfig.of(Map.of(), Map.of("APPLICATIONINSIGHTS_SAMPLING_PERCENTAGE", "25")).samplingPercentage())
        .hasValue(25.0);
    assertThatThrownBy(() -> WeftConfig.of(Map.of(), Map.of("APPLICATIONINSIGHTS_SAMPLING_PERCENTAGE", "lots"))
        .samplingPercentage())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("APPLICATIONINSIGHTS_SAMPLING_PERCENTAGE must be a number within [0, 100]: \"lots\"");
    assertThatThrownBy(() -> WeftConfig.of(Map.of("applicationinsights.sampling.percentage", "120"), Map.of())
        .samplingPercentage())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("applicationinsights.sampling.percentage must be within [0, 100]: 120");
  }

  @Test
  void globalTracerIsBuiltFromSettingsAndExporterProviders() {
    Tracer tracer = GlobalTracer.fromConfig(WeftConfig.of(Map.of(),
        Map.of("OTEL_SERVICE_NAME", "orders", "APPLICATIONINSIGHTS_SAMPLING_PERCENTAGE", "50",
            TestExporterProvider.ENV, "on")));
    assertThat(tracer.resource().serviceName()).isEqualTo("orders");
    assertThat(tracer.sampler().description()).isEqualTo("ParentBased{Probability{50.0%}}");
    assertThat(tracer.exporters()).singleElement().isInstanceOf(InMemorySpanExporter.class);

    Tracer without = GlobalTracer.fromConfig(WeftConfig.of(Map.of(), Map.of()));
    assertThat(without.exporters()).isEmpty();
    assertThat(without.sampler().description()).isEqualTo("ParentBased{AlwaysOn}");
  }

  @Test
  void globalTracerCanBeReplaced() {
    Tracer mine = Tracer.builder().serviceName("mine").build();
    Tracer previous = Tracer.setGlobal(mine);
    try {
      assertThat(Tracer.global()).isSameAs(mine);
    } finally {
      if (previous != null) {
        Tracer.setGlobal(previous);
      }
    }
  }

  @Test
  void versionIsFilteredFromTheBuild() {
    assertThat(WeftConfig.weftVersion()).isNotEqualTo("unknown").doesNotContain("${");
  }
}
