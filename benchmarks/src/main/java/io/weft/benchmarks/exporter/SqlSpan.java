package io.weft.benchmarks.exporter;

import io.weft.core.SpanKind;
import io.weft.core.Tracer;

/** The span the exporter benchmarks send: a CLIENT span with the six attributes an R2DBC query span has. */
public final class SqlSpan {
  public static final String NAME = "SELECT orders";
  public static final String QUERY = "SELECT id, total FROM orders WHERE customer_id = ? AND status = ?";

  private SqlSpan() {}

  /** Starts and ends one such span. */
  public static void end(Tracer tracer) {
    tracer.spanBuilder(NAME).kind(SpanKind.CLIENT)
        .attribute("db.system", "postgresql").attribute("db.namespace", "shop")
        .attribute("server.address", "db.example.com").attribute("server.port", 5432L)
        .attribute("db.query.text", QUERY).attribute("db.operation.name", "SELECT").start().end();
  }
}
