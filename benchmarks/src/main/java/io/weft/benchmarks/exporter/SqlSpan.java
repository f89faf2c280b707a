package io.weft.benchmarks.exporter;

import io.weft.core.SpanKind;
import io.weft.core.Tracer;
import io.weft.core.instrumentation.SemanticAttributes;

/** The span the exporter benchmarks send: a CLIENT span with the six attributes an R2DBC query span has. */
public final class SqlSpan {
  public static final String NAME = "SELECT orders";
  public static final String QUERY = "SELECT id, total FROM orders WHERE customer_id = ? AND status = ?";

  private SqlSpan() {}

  /** Starts and ends one such span. */
  public static void end(Tracer tracer) {
    tracer.spanBuilder(NAME).kind(SpanKind.CLIENT)
        .attribute(SemanticAttributes.DB_SYSTEM, "postgresql")
        .attribute(SemanticAttributes.DB_NAMESPACE, "shop")
        .attribute(SemanticAttributes.SERVER_ADDRESS, "db.example.com")
        .attribute(SemanticAttributes.SERVER_PORT, 5432L)
        .attribute(SemanticAttributes.DB_QUERY_TEXT, QUERY)
        .attribute(SemanticAttributes.DB_OPERATION_NAME, "SELECT").start().end();
  }
}
