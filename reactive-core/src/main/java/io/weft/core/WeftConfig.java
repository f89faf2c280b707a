package io.weft.core;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Properties;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Weft's settings from system properties, then environment variables (first found wins; blank counts as unset).
 * Builders win over both. Invalid values fail fast with {@link IllegalArgumentException} naming the setting and
 * the value (never an instrumentation key).
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>setting</th><th>system property</th><th>environment</th></tr>
 *   <tr><td>connection string</td><td>{@code applicationinsights.connection.string}</td>
 *       <td>{@code APPLICATIONINSIGHTS_CONNECTION_STRING}</td></tr>
 *   <tr><td>sampling percentage (0–100)</td><td>{@code applicationinsights.sampling.percentage}</td>
 *       <td>{@code APPLICATIONINSIGHTS_SAMPLING_PERCENTAGE}</td></tr>
 *   <tr><td>service name</td><td>{@code otel.service.name}</td>
 *       <td>{@code OTEL_SERVICE_NAME}, else {@code APPLICATIONINSIGHTS_ROLE_NAME}, else the main class</td></tr>
 * </table>
 */
public final class WeftConfig {
  /** System property of the connection string. */
  public static final String CONNECTION_STRING_PROPERTY = "applicationinsights.connection.string";
  /** Environment variable of the connection string. */
  public static final String CONNECTION_STRING_ENV = "APPLICATIONINSIGHTS_CONNECTION_STRING";
  /** System property of the sampling percentage. */
  public static final String SAMPLING_PERCENTAGE_PROPERTY = "applicationinsights.sampling.percentage";
  /** Environment variable of the sampling percentage. */
  public static final String SAMPLING_PERCENTAGE_ENV = "APPLICATIONINSIGHTS_SAMPLING_PERCENTAGE";
  /** System property of the service name. */
  public static final String SERVICE_NAME_PROPERTY = "otel.service.name";
  /** Environment variable of the service name. */
  public static final String SERVICE_NAME_ENV = "OTEL_SERVICE_NAME";
  /** Fallback environment variable of the service name. */
  public static final String ROLE_NAME_ENV = "APPLICATIONINSIGHTS_ROLE_NAME";

  private static final WeftConfig SYSTEM = new WeftConfig(System::getProperty, System::getenv);
  private static volatile @Nullable String hostName;
  private static volatile @Nullable String version;

  private final UnaryOperator<@Nullable String> properties;
  private final UnaryOperator<@Nullable String> environment;

  private WeftConfig(UnaryOperator<@Nullable String> properties, UnaryOperator<@Nullable String> environment) {
    this.properties = properties;
    this.environment = environment;
  }

  /** The JVM's system properties and the process environment. */
  public static WeftConfig system() {
    return SYSTEM;
  }

  /** Settings from the given maps (for tests and embedding). */
  public static WeftConfig of(Map<String, String> systemProperties, Map<String, String> environment) {
    Map<String, String> props = Map.copyOf(systemProperties);
    Map<String, String> env = Map.copyOf(environment);
    return new WeftConfig(props::get, env::get);
  }

  /**
   * Settings from two lookups, read like system properties and environment variables (for frameworks with a
   * configuration of their own: a Spring {@code Environment}, say).
   */
  public static WeftConfig of(UnaryOperator<@Nullable String> systemProperties,
      UnaryOperator<@Nullable String> environment) {
    return new WeftConfig(systemProperties, environment);
  }

  /** The trimmed value of {@code systemProperty}, else of {@code environmentVariable}; null when both are blank. */
  public @Nullable String get(String systemProperty, String environmentVariable) {
    String value = trimmed(properties.apply(systemProperty));
    return value != null ? value : trimmed(environment.apply(environmentVariable));
  }

  private static @Nullable String trimmed(@Nullable String value) {
    if (value == null) {
      return null;
    }
    String trimmed = value.trim();
    return trimmed.isEmpty() ? null : trimmed;
  }

  /** The Application Insights connection string, or null. */
  public @Nullable String connectionString() {
    return get(CONNECTION_STRING_PROPERTY, CONNECTION_STRING_ENV);
  }

  /**
   * The sampling percentage, when set.
   *
   * @throws IllegalArgumentException if it is not a number within [0, 100]
   */
  public OptionalDouble samplingPercentage() {
    String fromProperty = trimmed(properties.apply(SAMPLING_PERCENTAGE_PROPERTY));
    String setting = fromProperty != null ? SAMPLING_PERCENTAGE_PROPERTY : SAMPLING_PERCENTAGE_ENV;
    String value = fromProperty != null ? fromProperty : trimmed(environment.apply(SAMPLING_PERCENTAGE_ENV));
    if (value == null) {
      return OptionalDouble.empty();
    }
    double percentage;
    try {
      percentage = Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(setting + " must be a number within [0, 100]: \"" + value + "\"", e);
    }
    if (!(percentage >= 0.0 && percentage <= 100.0)) {
      throw new IllegalArgumentException(setting + " must be within [0, 100]: " + value);
    }
    return OptionalDouble.of(percentage);
  }

  /** The service name: {@code otel.service.name}, {@code OTEL_SERVICE_NAME}, the role name, else the main class. */
  public String serviceName() {
    String name = get(SERVICE_NAME_PROPERTY, SERVICE_NAME_ENV);
    if (name == null) {
      name = get("applicationinsights.role.name", ROLE_NAME_ENV);
    }
    return name != null ? name : mainClassName();
  }

  private String mainClassName() {
    String command = trimmed(properties.apply("sun.java.command"));
    if (command == null) {
      return "unknown_service:java";
    }
    String main = command.split(" ", 2)[0];
    if (main.endsWith(".jar")) {
      int slash = Math.max(main.lastIndexOf('/'), main.lastIndexOf('\\'));
      return main.substring(slash + 1, main.length() - ".jar".length());
    }
    return main.substring(main.lastIndexOf('.') + 1);
  }

  /**
   * This host's name for the role instance: {@code HOSTNAME} or {@code COMPUTERNAME}, else the local host name
   * (resolved once, when the first tracer is built; never on a span path).
   */
  public static String hostName() {
    String name = hostName;
    if (name == null) {
      name = trimmed(System.getenv("HOSTNAME"));
      if (name == null) {
        name = trimmed(System.getenv("COMPUTERNAME"));
      }
      if (name == null) {
        try {
          name = InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
          name = "localhost";
        }
      }
      hostName = name;
    }
    return name;
  }

  /** Weft's version, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String weftVersion() {
    String v = version;
    if (v == null) {
      v = "unknown";
      try (InputStream in = WeftConfig.class.getResourceAsStream("weft.properties")) {
        if (in != null) {
          Properties p = new Properties();
          p.load(in);
          v = Objects.requireNonNullElse(p.getProperty("version"), v);
        }
      } catch (IOException e) {
        // keep "unknown"
      }
      version = v;
    }
    return v;
  }
}
