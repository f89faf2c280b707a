package io.weft.r2dbc;

import io.r2dbc.spi.Batch;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionMetadata;
import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.Statement;
import io.r2dbc.spi.TransactionDefinition;
import io.r2dbc.spi.ValidationDepth;
import io.r2dbc.spi.Wrapped;
import io.weft.core.SpanBuilder;
import io.weft.core.instrumentation.DbTarget;
import io.weft.core.instrumentation.DbTracing;
import io.weft.core.instrumentation.SemanticAttributes;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * A traced connection: statements and batches it creates are traced; transaction calls ({@code BEGIN}, {@code
 * COMMIT}, {@code ROLLBACK}, savepoints) are CLIENT spans of their own, so that they appear in Application Insights
 * as SQL dependencies in the order they ran, between the statements of the transaction, with their own duration
 * (a slow commit is a real finding). Everything else delegates unchanged.
 *
 * <p>Closing the connection ends, as cancelled, the span of a statement whose results were not read to the end (a
 * result never consumed, or rows left unread as {@code take(n)} leaves them: it stops requesting without cancelling),
 * so that an abandoned result cannot keep its span open forever.
 */
final class TracingConnection implements Connection, Wrapped<Connection> {
  private final Connection delegate;
  private final R2dbcTracing tracing;
  private final DbTarget target;
  /** The latest execution on this connection; ended at close if its results were never consumed. */
  private volatile @Nullable Execution latest;

  TracingConnection(Connection delegate, R2dbcTracing tracing, DbTarget target) {
    this.delegate = delegate;
    this.tracing = tracing;
    this.target = target;
  }

  R2dbcTracing tracing() {
    return tracing;
  }

  DbTarget target() {
    return target;
  }

  void executing(Execution execution) {
    latest = execution;
  }

  @Override
  public Statement createStatement(String sql) {
    return new TracingStatement(delegate.createStatement(sql), this, sql);
  }

  @Override
  public Batch createBatch() {
    return new TracingBatch(delegate.createBatch(), this);
  }

  @Override
  public Publisher<Void> beginTransaction() {
    return traced(delegate.beginTransaction(), "BEGIN", null);
  }

  @Override
  public Publisher<Void> beginTransaction(TransactionDefinition definition) {
    return traced(delegate.beginTransaction(definition), "BEGIN", null);
  }

  @Override
  public Publisher<Void> commitTransaction() {
    return traced(delegate.commitTransaction(), "COMMIT", null);
  }

  @Override
  public Publisher<Void> rollbackTransaction() {
    return traced(delegate.rollbackTransaction(), "ROLLBACK", null);
  }

  @Override
  public Publisher<Void> createSavepoint(String name) {
    return traced(delegate.createSavepoint(name), "SAVEPOINT", name);
  }

  @Override
  public Publisher<Void> releaseSavepoint(String name) {
    return traced(delegate.releaseSavepoint(name), "RELEASE SAVEPOINT", name);
  }

  @Override
  public Publisher<Void> rollbackTransactionToSavepoint(String name) {
    return traced(delegate.rollbackTransactionToSavepoint(name), "ROLLBACK TO SAVEPOINT", name);
  }

  @Override
  public Publisher<Void> close() {
    Publisher<Void> close = delegate.close();
    return Mono.from(close).doFirst(this::endAbandoned);
  }

  private void endAbandoned() {
    Execution execution = latest;
    if (execution != null) {
      latest = null;
      execution.cancelled();
    }
  }

  @Override
  public boolean isAutoCommit() {
    return delegate.isAutoCommit();
  }

  @Override
  public ConnectionMetadata getMetadata() {
    return delegate.getMetadata();
  }

  @Override
  public IsolationLevel getTransactionIsolationLevel() {
    return delegate.getTransactionIsolationLevel();
  }

  @Override
  public Publisher<Void> setAutoCommit(boolean autoCommit) {
    return delegate.setAutoCommit(autoCommit);
  }

  @Override
  public Publisher<Void> setLockWaitTimeout(Duration timeout) {
    return delegate.setLockWaitTimeout(timeout);
  }

  @Override
  public Publisher<Void> setStatementTimeout(Duration timeout) {
    return delegate.setStatementTimeout(timeout);
  }

  @Override
  public Publisher<Void> setTransactionIsolationLevel(IsolationLevel isolationLevel) {
    return delegate.setTransactionIsolationLevel(isolationLevel);
  }

  @Override
  public Publisher<Boolean> validate(ValidationDepth depth) {
    return delegate.validate(depth);
  }

  /** A span around a transaction call; the parent comes from the subscriber's context, like statements. */
  private Publisher<Void> traced(Publisher<Void> call, String operation, @Nullable String savepoint) {
    try {
      DbTracing db = tracing.db();
      SpanBuilder span = db.spanBuilder(operation, target).attribute(SemanticAttributes.DB_OPERATION_NAME, operation);
      if (db.recordQueryText()) {
        span.attribute(SemanticAttributes.DB_QUERY_TEXT, savepoint == null ? operation : operation + " " + savepoint);
      }
      return Mono.from(call).transform(span.mono());
    } catch (RuntimeException e) {
      tracing.failed("tracing " + operation, e);
      return call;
    }
  }

  @Override
  public Connection unwrap() {
    return delegate;
  }

  @Override
  public String toString() {
    return "Traced[" + delegate + "]";
  }
}
