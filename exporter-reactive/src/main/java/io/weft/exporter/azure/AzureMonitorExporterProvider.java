package io.weft.exporter.azure;

import io.weft.core.WeftConfig;
import io.weft.core.export.SpanExporter;
import io.weft.core.export.SpanExporterProvider;
import org.jspecify.annotations.Nullable;

/**
 * Plugs the exporter into {@code Tracer.global()}: when {@code APPLICATIONINSIGHTS_CONNECTION_STRING} (or {@code
 * -Dapplicationinsights.connection.string}) is set, the global tracer exports there. Registered in {@code
 * META-INF/services}. Nobody owns the global tracer, so nobody would shut its exporter down: this exporter registers
 * a JVM shutdown hook that flushes (and spills what it cannot deliver) when the process exits. The spill follows
 * {@code WEFT_EXPORTER_STORAGE_DIR} and {@code WEFT_EXPORTER_STORAGE_ENABLED} ({@link
 * AzureMonitorExporterBuilder#storage(WeftConfig)}).
 */
public final class AzureMonitorExporterProvider implements SpanExporterProvider {

  /** Public for {@link java.util.ServiceLoader}. */
  public AzureMonitorExporterProvider() {}

  @Override
  public @Nullable SpanExporter create(WeftConfig config) {
    ConnectionString connectionString = ConnectionString.fromEnvironment(config);
    if (connectionString == null) {
      return null;
    }
    return AzureMonitorExporter.builder().connectionString(connectionString).storage(config).shutdownHook(true).build();
  }
}
