package io.weft.spring;

import io.weft.core.WeftConfig;
import org.jspecify.annotations.Nullable;
import org.springframework.core.env.Environment;

/**
 * Weft's core settings read through Spring: {@code weft.*} properties first, then what Weft reads outside Spring
 * (system properties and environment variables, which Spring's {@link Environment} also holds), with {@code
 * spring.application.name} as the service name when {@code OTEL_SERVICE_NAME} is not set.
 */
final class WeftSettings {
  private WeftSettings() {}

  static WeftConfig config(WeftProperties properties, Environment environment) {
    String serviceName = serviceName(properties, environment);
    return WeftConfig.of(key -> switch (key) {
      case WeftConfig.CONNECTION_STRING_PROPERTY ->
          first(properties.getConnectionString(), environment.getProperty(key));
      case WeftConfig.SAMPLING_PERCENTAGE_PROPERTY -> first(
          properties.getSamplingPercentage() != null ? properties.getSamplingPercentage().toString() : null,
          environment.getProperty(key));
      case WeftConfig.SERVICE_NAME_PROPERTY -> serviceName;
      default -> environment.getProperty(key);
    }, environment::getProperty);
  }

  /** {@code weft.service-name}, {@code OTEL_SERVICE_NAME}, {@code spring.application.name}; null: Weft's default. */
  static @Nullable String serviceName(WeftProperties properties, Environment environment) {
    return first(first(properties.getServiceName(), environment.getProperty(WeftConfig.SERVICE_NAME_PROPERTY)),
        first(environment.getProperty(WeftConfig.SERVICE_NAME_ENV), environment.getProperty("spring.application.name")));
  }

  private static @Nullable String first(@Nullable String value, @Nullable String fallback) {
    return value != null && !value.isBlank() ? value : fallback;
  }
}
