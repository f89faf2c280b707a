package io.weft.core;

import io.weft.core.export.SpanExporter;
import io.weft.core.export.SpanExporterProvider;
import io.weft.core.sampler.Sampler;
import java.util.OptionalDouble;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;

/**
 * Holds the process-wide tracer. Created on first use from {@link WeftConfig#system()}: service name, sampling
 * percentage, and every exporter a {@link SpanExporterProvider} on the class path offers for those settings.
 */
final class GlobalTracer {
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
    for (SpanExporterProvider provider : ServiceLoader.load(SpanExporterProvider.class)) {
      SpanExporter exporter = provider.create(config);
      if (exporter != null) {
        builder.exporter(exporter);
      }
    }
    return builder.build();
  }
}
