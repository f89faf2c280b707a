package io.weft.r2dbc.tck;

import static io.weft.core.instrumentation.SemanticAttributes.DB_SYSTEM;
import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.spi.ConnectionFactory;
import io.weft.core.Tracer;
import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import io.weft.r2dbc.R2dbcTracing;

/** The decoration the traced TCK classes apply, and the check that it really traced the TCK's statements. */
final class TracedTck {
  private final InMemorySpanExporter exported = InMemorySpanExporter.create();
  private final R2dbcTracing tracing = R2dbcTracing.builder(
          Tracer.builder().serviceName("tck").exporter(exported).build())
      .recordBindValues(true)
      .traceConnectionCreation(true)
      .build();

  ConnectionFactory decorate(ConnectionFactory undecorated) {
    return tracing.wrap(undecorated);
  }

  /** The TCK ran through the decorator: statements, transactions and connections were traced, nothing failed. */
  void verify(String dbSystem) {
    assertThat(tracing.failures()).as("tracing failures").isZero();
    assertThat(exported.spans()).extracting(SpanData::name)
        .contains("connect", "BEGIN", "COMMIT", "ROLLBACK", "INSERT test", "SELECT test");
    assertThat(exported.spans()).allSatisfy(span ->
        assertThat(span.attributes().get(DB_SYSTEM)).isEqualTo(dbSystem));
  }
}
