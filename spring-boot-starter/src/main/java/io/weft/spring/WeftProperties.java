package io.weft.spring;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Weft's settings under {@code weft.*}. Each one falls back to the variable Weft reads outside Spring: the connection
 * string to {@code APPLICATIONINSIGHTS_CONNECTION_STRING}, the service name to {@code OTEL_SERVICE_NAME}, then {@code
 * spring.application.name}, the sampling percentage to {@code APPLICATIONINSIGHTS_SAMPLING_PERCENTAGE}.
 */
@ConfigurationProperties("weft")
public class WeftProperties {
  /** Whether Weft traces this application at all. */
  private boolean enabled = true;
  /**
   * Application Insights connection string spans are exported to. Default: APPLICATIONINSIGHTS_CONNECTION_STRING.
   * Without one, spans are recorded but not exported (a warning says so at startup).
   */
  private @Nullable String connectionString;
  /** Service (cloud role) name. Default: OTEL_SERVICE_NAME, else spring.application.name, else the main class. */
  private @Nullable String serviceName;
  /** Percentage of traces recorded, 0 to 100. Default: APPLICATIONINSIGHTS_SAMPLING_PERCENTAGE, else 100. */
  private @Nullable Double samplingPercentage;
  /** Server spans for WebFlux requests. */
  private final Part webflux = new Part();
  /** Client spans for every WebClient built from Spring's WebClient.Builder. */
  private final Part webclient = new Part();
  /** Database spans for every R2DBC ConnectionFactory bean. */
  private final Part r2dbc = new Part();
  /** Database spans for every reactive MongoDB client Spring Boot builds. */
  private final Part mongodb = new Part();
  /** Reactor's automatic context propagation, so the current span and the MDC are right inside operators. */
  private final Part reactorContextPropagation = new Part();
  /** The current trace and span ids in the MDC (traceId, spanId) and in Spring Boot's log lines. */
  private final Part logCorrelation = new Part();
  /** Spans for Micrometer observations (libraries instrumented with Micrometer Observation). */
  private final Part observations = new Part();
  /**
   * Turns off the Micrometer observations Weft already traces itself (HTTP server and client, R2DBC, MongoDB), so
   * that Micrometer Tracing, when present, does not record the same calls again.
   */
  private final Part suppressDuplicateObservations = new Part();
  /** The Application Insights exporter. */
  private final Exporter exporter = new Exporter();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public @Nullable String getConnectionString() {
    return connectionString;
  }

  public void setConnectionString(@Nullable String connectionString) {
    this.connectionString = connectionString;
  }

  public @Nullable String getServiceName() {
    return serviceName;
  }

  public void setServiceName(@Nullable String serviceName) {
    this.serviceName = serviceName;
  }

  public @Nullable Double getSamplingPercentage() {
    return samplingPercentage;
  }

  public void setSamplingPercentage(@Nullable Double samplingPercentage) {
    this.samplingPercentage = samplingPercentage;
  }

  public Part getWebflux() {
    return webflux;
  }

  public Part getWebclient() {
    return webclient;
  }

  public Part getR2dbc() {
    return r2dbc;
  }

  public Part getMongodb() {
    return mongodb;
  }

  public Part getReactorContextPropagation() {
    return reactorContextPropagation;
  }

  public Part getLogCorrelation() {
    return logCorrelation;
  }

  public Part getObservations() {
    return observations;
  }

  public Part getSuppressDuplicateObservations() {
    return suppressDuplicateObservations;
  }

  public Exporter getExporter() {
    return exporter;
  }

  /** The Application Insights exporter's settings. */
  public static class Exporter {
    /** Where undeliverable telemetry waits on disk while Application Insights cannot be reached. */
    private final Storage storage = new Storage();

    public Storage getStorage() {
      return storage;
    }
  }

  /** The exporter's disk spill (read by the exporter as weft.exporter.storage.* or WEFT_EXPORTER_STORAGE_*). */
  public static class Storage {
    /** Whether undeliverable telemetry is spilled to disk (on by default); off, it is dropped and counted. */
    private boolean enabled = true;
    /** The spill root; default a folder under the system's temporary directory. */
    private @Nullable String dir;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public @Nullable String getDir() {
      return dir;
    }

    public void setDir(@Nullable String dir) {
      this.dir = dir;
    }
  }

  /** One part of Weft's auto-configuration that can be turned off. */
  public static class Part {
    /** Whether this part is on. */
    private boolean enabled = true;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }
}
