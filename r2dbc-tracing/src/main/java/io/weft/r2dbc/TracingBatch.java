package io.weft.r2dbc;

import io.r2dbc.spi.Batch;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Wrapped;
import io.weft.core.Span;
import io.weft.core.instrumentation.DbTarget;
import io.weft.core.instrumentation.DbTracing;
import io.weft.core.instrumentation.SemanticAttributes;
import io.weft.core.instrumentation.SqlSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.util.context.Context;

/**
 * A batch of a traced connection: one span per subscription to {@link #execute()}, named {@code BATCH OPERATION
 * table} when every statement shares operation and table (else {@code BATCH}), with {@code db.operation.batch.size}
 * and the statements' texts joined by {@code "; "}.
 *
 * <p>Not thread-safe, like the batches it wraps.
 */
final class TracingBatch implements Batch, Wrapped<Batch> {
  /** The operation of a batch, before the statements' shared operation if any. */
  private static final String BATCH = "BATCH";

  private final Batch delegate;
  private final TracingConnection connection;
  private final List<String> statements = new ArrayList<>(4);

  TracingBatch(Batch delegate, TracingConnection connection) {
    this.delegate = delegate;
    this.connection = connection;
  }

  @Override
  public Batch add(String sql) {
    delegate.add(sql);
    statements.add(sql);
    return this;
  }

  @Override
  public Publisher<? extends Result> execute() {
    Publisher<? extends Result> source = delegate.execute();
    List<String> sqls = List.copyOf(statements);
    return new TracedPublishers.Execute(source, context -> start(context, sqls), connection.tracing());
  }

  private @Nullable Execution start(Context context, List<String> sqls) {
    R2dbcTracing tracing = connection.tracing();
    DbTracing db = tracing.db();
    DbTarget target = connection.target();
    String operation = null;
    String table = null;
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < sqls.size(); i++) {
      SqlSummary summary = SqlSummary.of(sqls.get(i));
      if (i == 0) {
        operation = summary.operation();
        table = summary.table();
      } else {
        operation = Objects.equals(operation, summary.operation()) ? operation : null;
        table = Objects.equals(table, summary.table()) ? table : null;
      }
      if (text.length() > 0) {
        text.append("; ");
      }
      text.append(db.queryText(sqls.get(i), summary));
    }
    String batchOperation = operation == null ? BATCH : BATCH + " " + operation;
    String name = db.spanName(target, batchOperation, operation == null ? null : table, text.toString());
    Span span = tracing.start(name, target, context);
    if (!span.isRecording()) {
      return null;
    }
    if (db.recordQueryText()) {
      span.setAttribute(SemanticAttributes.DB_QUERY_TEXT, text.toString());
    }
    span.setAttribute(SemanticAttributes.DB_OPERATION_NAME, batchOperation);
    if (table != null) {
      span.setAttribute(SemanticAttributes.DB_COLLECTION_NAME, table);
    }
    span.setAttribute(SemanticAttributes.DB_OPERATION_BATCH_SIZE, (long) sqls.size());
    Execution execution = new Execution(span, tracing);
    connection.executing(execution);
    return execution;
  }

  @Override
  public Batch unwrap() {
    return delegate;
  }

  @Override
  public String toString() {
    return "Traced[" + delegate + "]";
  }
}
