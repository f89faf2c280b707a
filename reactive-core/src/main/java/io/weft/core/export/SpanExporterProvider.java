package io.weft.core.export;

import io.weft.core.WeftConfig;
import org.jspecify.annotations.Nullable;

/**
 * Lets an exporter module plug into the {@linkplain io.weft.core.Tracer#global() global tracer}: implementations
 * are found with {@link java.util.ServiceLoader} ({@code META-INF/services/io.weft.core.export.SpanExporterProvider})
 * and asked, once, whether their settings are present.
 */
public interface SpanExporterProvider {

  /**
   * The exporter for these settings, or null when they do not ask for one (e.g. no connection string).
   *
   * @throws IllegalArgumentException when the settings are present but invalid, naming the setting
   */
  @Nullable SpanExporter create(WeftConfig config);
}
