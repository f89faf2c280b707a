package io.weft.r2dbc;

import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.weft.core.Span;
import io.weft.core.SpanBuilder;
import io.weft.core.Tracer;
import io.weft.core.instrumentation.DbTarget;
import io.weft.core.instrumentation.DbTracing;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.util.context.ContextView;

/**
 * Traces R2DBC: wraps any {@link ConnectionFactory} (a driver's, a pool, another wrapper) so that every statement,
 * batch and transaction call becomes a CLIENT span, a SQL dependency in Application Insights.
 *
 * <pre>{@code
 * R2dbcTracing tracing = R2dbcTracing.create(tracer);
 * ConnectionFactory traced = tracing.wrap(ConnectionFactories.get(options), options);
 * }</pre>
 *
 * <p>Or, with the global tracer and no code: {@code ConnectionFactories.get("r2dbc:tracing:postgresql://host/db")}.
 *
 * <p>Query text, sanitizing and span names are the shared database settings, {@link DbTracing} (the same object the
 * Vert.x SQL clients take); what only R2DBC has (bind values, connection-creation spans) is configured here.
 *
 * <p>A statement's span starts when {@code execute()} is subscribed to and ends when every {@code Result} it emitted
 * has been consumed, on an error, or on cancellation ({@code weft.cancelled=true}); its parent is the current span of
 * the subscriber's Reactor context, else the thread-local current span. The wrappers change no behaviour: every
 * method delegates, {@code Wrapped#unwrap} returns the driver's object, and nothing Weft does can fail a query.
 *
 * <p>Immutable and thread-safe.
 */
public final class R2dbcTracing {
  private final DbTracing db;
  private final boolean recordBindValues;
  private final boolean traceConnectionCreation;

  private R2dbcTracing(Builder builder) {
    this.db = builder.db;
    this.recordBindValues = builder.recordBindValues;
    this.traceConnectionCreation = builder.traceConnectionCreation;
  }

  /** Tracing with the defaults: sanitized query text, no bind values, no connection-creation spans. */
  public static R2dbcTracing create(Tracer tracer) {
    return builder(tracer).build();
  }

  /** Tracing with the given database settings and R2DBC's defaults (no bind values, no connection spans). */
  public static R2dbcTracing create(DbTracing db) {
    return builder(db).build();
  }

  /** A builder for tracing with {@code tracer} and the default database settings. */
  public static Builder builder(Tracer tracer) {
    return builder(DbTracing.create(tracer));
  }

  /** A builder for tracing with the given database settings. */
  public static Builder builder(DbTracing db) {
    return new Builder(db);
  }

  /**
   * Whether {@code factory} is traced by Weft already, itself or under a factory that wraps it (a connection pool):
   * wrapping it again would record every statement twice.
   */
  public static boolean isTraced(ConnectionFactory factory) {
    Object current = factory;
    for (int depth = 0; depth < 16 && current != null; depth++) {
      if (current instanceof TracingConnectionFactory) {
        return true;
      }
      current = current instanceof io.r2dbc.spi.Wrapped<?> wrapped ? wrapped.unwrap() : null;
    }
    return false;
  }

  /** Wraps {@code factory}; {@code db.system} comes from its metadata, server and database are unknown. */
  public ConnectionFactory wrap(ConnectionFactory factory) {
    return wrap(factory, null);
  }

  /**
   * Wraps {@code factory}, taking {@code db.namespace}, {@code server.address} and {@code server.port} from the
   * {@code options} it was created from (R2DBC factories do not expose them).
   */
  public ConnectionFactory wrap(ConnectionFactory factory, @Nullable ConnectionFactoryOptions options) {
    Objects.requireNonNull(factory, "factory");
    if (factory instanceof TracingConnectionFactory
        && ((TracingConnectionFactory) factory).tracing() == this) {
      return factory;
    }
    return new TracingConnectionFactory(factory, this, R2dbcTargets.of(factory, options));
  }

  /** How many times tracing itself failed (the affected calls ran untraced or their span was cut short). */
  public long failures() {
    return db.failures();
  }

  /** The shared database settings this tracing applies. */
  public DbTracing db() {
    return db;
  }

  boolean recordBindValues() {
    return recordBindValues;
  }

  boolean traceConnectionCreation() {
    return traceConnectionCreation;
  }

  /** The parent of a call subscribed with {@code context}: its span, else null (the thread-local current span). */
  static @Nullable Span parent(ContextView context) {
    Span parent = Span.fromContext(context);
    return parent.context().isValid() ? parent : null;
  }

  /** Starts a CLIENT span for {@code name} on {@code target}; the parent is taken from {@code context}. */
  Span start(String name, DbTarget target, ContextView context) {
    SpanBuilder builder = db.spanBuilder(name, target);
    Span parent = parent(context);
    if (parent != null) {
      builder.parent(parent);
    }
    return builder.start();
  }

  void failed(String where, Throwable error) {
    db.failed(where, error);
  }

  /** Configures {@link R2dbcTracing}. */
  public static final class Builder {
    private final DbTracing db;
    private boolean recordBindValues;
    private boolean traceConnectionCreation;

    private Builder(DbTracing db) {
      this.db = Objects.requireNonNull(db, "db");
    }

    /**
     * Whether bind values are recorded as {@code db.query.parameter.<index or name>} (default false: they may hold
     * personal data or secrets). Only the first set of bindings of a multi-binding statement is recorded.
     */
    public Builder recordBindValues(boolean record) {
      this.recordBindValues = record;
      return this;
    }

    /** Whether {@code ConnectionFactory.create()} gets a {@code connect} span (default false: pools make it noise). */
    public Builder traceConnectionCreation(boolean trace) {
      this.traceConnectionCreation = trace;
      return this;
    }

    public R2dbcTracing build() {
      return new R2dbcTracing(this);
    }
  }
}
