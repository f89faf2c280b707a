package io.weft.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class LogCorrelationEnvironmentTest {
  static StandardEnvironment environment(Map<String, Object> properties) {
    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().addFirst(new MapPropertySource("application", properties));
    new LogCorrelationEnvironment().postProcessEnvironment(environment, new SpringApplication());
    return environment;
  }

  @Test
  void bootsLogLinesShowTheIdsUnlessTheApplicationSaysOtherwise() {
    assertThat(environment(Map.of()).getProperty(LogCorrelationEnvironment.EXPECT_CORRELATION_ID)).isEqualTo("true");
    assertThat(environment(Map.of(LogCorrelationEnvironment.EXPECT_CORRELATION_ID, "false"))
        .getProperty(LogCorrelationEnvironment.EXPECT_CORRELATION_ID)).isEqualTo("false");
    assertThat(environment(Map.of("weft.log-correlation.enabled", "false"))
        .getProperty(LogCorrelationEnvironment.EXPECT_CORRELATION_ID)).isNull();
    assertThat(environment(Map.of("weft.enabled", "false"))
        .getProperty(LogCorrelationEnvironment.EXPECT_CORRELATION_ID)).isNull();
  }
}
