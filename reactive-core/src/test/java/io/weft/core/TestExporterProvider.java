package io.weft.core;

import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanExporter;
import io.weft.core.export.SpanExporterProvider;
import org.jspecify.annotations.Nullable;

/** Registered in src/test/resources/META-INF/services; creates an exporter only when its setting is present. */
public final class TestExporterProvider implements SpanExporterProvider {
  static final String ENV = "WEFT_TEST_EXPORTER";

  @Override
  public @Nullable SpanExporter create(WeftConfig config) {
    return config.get("weft.test.exporter", ENV) != null ? InMemorySpanExporter.create() : null;
  }
}
