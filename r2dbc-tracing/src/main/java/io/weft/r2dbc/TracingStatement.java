package io.weft.r2dbc;

import io.r2dbc.spi.Parameter;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import io.r2dbc.spi.Wrapped;
import io.weft.core.Span;
import io.weft.core.instrumentation.SemanticAttributes;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.util.context.Context;

/**
 * A statement of a traced connection: every method delegates; {@link #execute()} gets one span per subscription.
 * Bind values are kept only when the user opted in, and only those of the first set of bindings.
 *
 * <p>Not thread-safe, like the statements it wraps.
 */
final class TracingStatement implements Statement, Wrapped<Statement> {
  private final Statement delegate;
  private final TracingConnection connection;
  private final String sql;
  private int bindingSets = 1;
  private @Nullable Object @Nullable [] binds;

  TracingStatement(Statement delegate, TracingConnection connection, String sql) {
    this.delegate = delegate;
    this.connection = connection;
    this.sql = sql;
  }

  @Override
  public Statement add() {
    delegate.add();
    bindingSets++;
    return this;
  }

  @Override
  public Statement bind(int index, Object value) {
    delegate.bind(index, value);
    remember(Integer.toString(index), value);
    return this;
  }

  @Override
  public Statement bind(String name, Object value) {
    delegate.bind(name, value);
    remember(name, value);
    return this;
  }

  @Override
  public Statement bindNull(int index, Class<?> type) {
    delegate.bindNull(index, type);
    remember(Integer.toString(index), null);
    return this;
  }

  @Override
  public Statement bindNull(String name, Class<?> type) {
    delegate.bindNull(name, type);
    remember(name, null);
    return this;
  }

  @Override
  public Statement returnGeneratedValues(String... columns) {
    delegate.returnGeneratedValues(columns);
    return this;
  }

  @Override
  public Statement fetchSize(int rows) {
    delegate.fetchSize(rows);
    return this;
  }

  @Override
  public Publisher<? extends Result> execute() {
    Publisher<? extends Result> source = delegate.execute();
    @Nullable Object @Nullable [] bound = binds;
    int sets = bindingSets;
    return new TracedPublishers.Execute(source, context -> start(context, bound, sets), connection.tracing());
  }

  private @Nullable Execution start(Context context, @Nullable Object @Nullable [] bound, int sets) {
    R2dbcTracing tracing = connection.tracing();
    Span span = tracing.db().startQuery(sql, connection.target(), R2dbcTracing.parent(context));
    if (!span.isRecording()) {
      return null;
    }
    if (sets > 1) {
      span.setAttribute(SemanticAttributes.DB_OPERATION_BATCH_SIZE, (long) sets);
    }
    if (bound != null) {
      for (int i = 0; i + 1 < bound.length; i += 2) {
        Object key = bound[i];
        if (key != null) {
          span.setAttribute(SemanticAttributes.DB_QUERY_PARAMETER_PREFIX + key, valueText(bound[i + 1]));
        }
      }
    }
    Execution execution = new Execution(span, tracing);
    connection.executing(execution);
    return execution;
  }

  private void remember(String key, @Nullable Object value) {
    if (bindingSets > 1 || !connection.tracing().recordBindValues()) {
      return;
    }
    @Nullable Object @Nullable [] current = binds;
    if (current == null) {
      current = new Object[8];
    }
    for (int i = 0; i < current.length; i += 2) {
      if (current[i] == null || key.equals(current[i])) {
        current[i] = key;
        current[i + 1] = value;
        binds = current;
        return;
      }
    }
    @Nullable Object[] grown = java.util.Arrays.copyOf(current, current.length * 2);
    grown[current.length] = key;
    grown[current.length + 1] = value;
    binds = grown;
  }

  private static String valueText(@Nullable Object value) {
    if (value instanceof Parameter) {
      value = ((Parameter) value).getValue();
    }
    if (value == null) {
      return "NULL";
    }
    if (value instanceof byte[]) {
      return "<" + ((byte[]) value).length + " bytes>";
    }
    return String.valueOf(value);
  }

  @Override
  public Statement unwrap() {
    return delegate;
  }

  @Override
  public String toString() {
    return "Traced[" + delegate + "]";
  }
}
