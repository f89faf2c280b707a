package io.weft.spring;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Makes Spring Boot's log lines show the trace and span ids Weft keeps in the MDC ({@code [traceId-spanId]}), as
 * Boot does for Micrometer Tracing: {@code logging.expect-correlation-id=true}, as a default the application's own
 * setting overrides. Nothing when Weft or its log correlation is turned off.
 */
public final class LogCorrelationEnvironment implements EnvironmentPostProcessor {
  static final String EXPECT_CORRELATION_ID = "logging.expect-correlation-id";

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
    if (environment.getProperty("weft.enabled", Boolean.class, true)
        && environment.getProperty("weft.log-correlation.enabled", Boolean.class, true)) {
      environment.getPropertySources().addLast(new MapPropertySource("weftLogCorrelation",
          Map.of(EXPECT_CORRELATION_ID, "true")));
    }
  }
}
