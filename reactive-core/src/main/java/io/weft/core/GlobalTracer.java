package io.weft.core;

import io.weft.core.export.SpanExporter;
import io.weft.core.export.SpanExporterProvider;
import io.weft.core.sampler.Sampler;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the process-wide tracer. Created on first use from {@link WeftConfig#system()}: service name, sampling
 * percentage, and every exporter a {@link SpanExporterProvider} on the class path offers for those settings.
 */
final class GlobalTracer {
  private static final Logger LOG = LoggerFactory.getLogger(GlobalTracer.class);
  private static final Object LOCK = new Object();
  private static volatile @Nullable Tracer global;

  private GlobalTracer() {}

  static Tracer get() {
    Tracer tracer = global;
    if (tracer == null) {
      synchronized (LOCK) {
        tracer = global;
        if (tracer == null) {
          tracer = fromConfig(WeftConfig.system());
          global = tracer;
        }
      }
    }
    return tracer;
  }

  static @Nullable Tracer set(Tracer tracer) {
    synchronized (LOCK) {
      Tracer previous = global;
      global = tracer;
      return previous;
    }
  }

  /** A tracer configured from {@code config}; fails fast on invalid settings. */
  static Tracer fromConfig(WeftConfig config) {
    Tracer.Builder builder = Tracer.builder().serviceName(config.serviceName());
    OptionalDouble percentage = config.samplingPercentage();
    if (percentage.isPresent()) {
      builder.sampler(Sampler.percentage(percentage.getAsDouble()));
    }
    List<SpanExporter> exporters = new ArrayList<>();
    for (SpanExporterProvider provider : ServiceLoader.load(SpanExporterProvider.class)) {
      SpanExporter exporter = provider.create(config);
      if (exporter != null) {
        exporters.add(exporter);
        builder.exporter(exporter);
      }
    }
    Tracer tracer = builder.build();
    logDestination(tracer, exporters, config);
    return tracer;
  }

  /** One line at start-up: where telemetry goes, or why it goes nowhere. */
  private static void logDestination(Tracer tracer, List<SpanExporter> exporters, WeftConfig config) {
    if (!exporters.isEmpty()) {
      LOG.info("Weft traces service '{}' and exports to {}", tracer.resource().serviceName(), exporters);
      return;
    }
    if (config.connectionString() != null) {
      LOG.warn("Weft exports nothing: {} is set but no exporter is on the class path (add weft-exporter-reactive)",
          WeftConfig.CONNECTION_STRING_ENV);
      return;
    }
    String nearMiss = config == WeftConfig.system() ? nearMiss(System.getenv().keySet()) : null;
    LOG.warn("Weft exports nothing: neither the environment variable {} nor the system property {} is set{}; spans "
        + "are recorded and dropped", WeftConfig.CONNECTION_STRING_ENV, WeftConfig.CONNECTION_STRING_PROPERTY,
        nearMiss != null ? " (" + nearMiss + " is: a typo?)" : "");
  }

  /** An environment variable that looks like the connection string's but is not it, or null. */
  static @Nullable String nearMiss(Iterable<String> names) {
    for (String name : names) {
      String upper = name.toUpperCase(java.util.Locale.ROOT);
      if (!name.equals(WeftConfig.CONNECTION_STRING_ENV)
          && (upper.contains("APPLICATIONINSIGHT") || upper.contains("APPINSIGHTS"))
          && upper.contains("CONNECTION")) {
        return name;
      }
    }
    return null;
  }
}
