package io.weft.r2dbc;

import io.weft.core.internal.SqlSummary;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.weft.core.Span;
import io.weft.core.SpanBuilder;
import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import io.weft.core.Tracer;
import io.weft.core.internal.FailureLog;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
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
 * <p>A statement's span starts when {@code execute()} is subscribed to and ends when every {@code Result} it emitted
 * has been consumed, on an error, or on cancellation ({@code weft.cancelled=true}); its parent is the current span of
 * the subscriber's Reactor context, else the thread-local current span. The wrappers change no behaviour: every
 * method delegates, {@code Wrapped#unwrap} returns the driver's object, and nothing Weft does can fail a query.
 *
 * <p>Immutable and thread-safe.
 */
public final class R2dbcTracing {
  private static final FailureLog FAILURES =
      new FailureLog(LoggerFactory.getLogger(R2dbcTracing.class), "R2DBC tracing failed; the query runs untraced");

  private final Tracer tracer;
  private final boolean recordQueryText;
  private final boolean sanitizeQueryText;
  private final boolean recordBindValues;
  private final boolean traceConnectionCreation;
  private final QuerySpanNamer namer;
  private final LongAdder failures = new LongAdder();

  private R2dbcTracing(Builder builder) {
    this.tracer = builder.tracer;
    this.recordQueryText = builder.recordQueryText;
    this.sanitizeQueryText = builder.sanitizeQueryText;
    this.recordBindValues = builder.recordBindValues;
    this.traceConnectionCreation = builder.traceConnectionCreation;
    this.namer = builder.namer;
  }

  /** Tracing with the defaults: sanitized query text, no bind values, no connection-creation spans. */
  public static R2dbcTracing create(Tracer tracer) {
    return builder(tracer).build();
  }

  /** A builder for tracing with {@code tracer}. */
  public static Builder builder(Tracer tracer) {
    return new Builder(tracer);
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
    return new TracingConnectionFactory(factory, this, DbInfo.of(factory, options));
  }

  /** How many times tracing itself failed (the affected calls ran untraced or their span was cut short). */
  public long failures() {
    return failures.sum();
  }

  Tracer tracer() {
    return tracer;
  }

  boolean recordQueryText() {
    return recordQueryText;
  }

  boolean recordBindValues() {
    return recordBindValues;
  }

  boolean traceConnectionCreation() {
    return traceConnectionCreation;
  }

  /** The text recorded as {@code db.query.text}. */
  String queryText(String sql, SqlSummary summary) {
    return sanitizeQueryText ? summary.sanitized() : sql;
  }

  String spanName(DbInfo db, @Nullable String operation, @Nullable String table, String sanitized) {
    try {
      String name = namer.name(db.system(), operation, table, sanitized);
      return name == null || name.isEmpty() ? db.system() : name;
    } catch (RuntimeException e) {
      failed("span namer", e);
      return db.system();
    }
  }

  /** A CLIENT span builder for {@code name} carrying the database attributes. */
  SpanBuilder spanBuilder(String name, DbInfo db) {
    SpanBuilder builder = tracer.spanBuilder(name).kind(SpanKind.CLIENT).attribute("db.system", db.system());
    if (db.namespace() != null) {
      builder.attribute("db.namespace", db.namespace());
    }
    if (db.address() != null) {
      builder.attribute("server.address", db.address());
    }
    if (db.port() > 0) {
      builder.attribute("server.port", (long) db.port());
    }
    return builder;
  }

  /** Starts a CLIENT span for {@code name} with the database attributes; the parent is taken from {@code context}. */
  Span start(String name, DbInfo db, ContextView context) {
    SpanBuilder builder = spanBuilder(name, db);
    Span parent = Span.fromContext(context);
    if (parent.context().isValid()) {
      builder.parent(parent);
    }
    return builder.start();
  }

  /** Records {@code error} on {@code span}: exception, ERROR status, {@code error.type} and the SQLSTATE if any. */
  static void recordError(Span span, Throwable error) {
    span.recordException(error);
    span.setStatus(StatusCode.ERROR, error.getMessage());
    span.setAttribute("error.type", error.getClass().getName());
    if (error instanceof io.r2dbc.spi.R2dbcException) {
      io.r2dbc.spi.R2dbcException r2dbc = (io.r2dbc.spi.R2dbcException) error;
      String state = r2dbc.getSqlState();
      if (state != null && !state.isEmpty()) {
        span.setAttribute("db.response.status_code", state);
      } else if (r2dbc.getErrorCode() != 0) {
        span.setAttribute("db.response.status_code", Integer.toString(r2dbc.getErrorCode()));
      }
    }
  }

  void failed(String where, Throwable error) {
    failures.increment();
    FAILURES.log(where, error);
  }

  /** Configures {@link R2dbcTracing}. */
  public static final class Builder {
    private final Tracer tracer;
    private boolean recordQueryText = true;
    private boolean sanitizeQueryText = true;
    private boolean recordBindValues;
    private boolean traceConnectionCreation;
    private QuerySpanNamer namer = QuerySpanNamer.standard();

    private Builder(Tracer tracer) {
      this.tracer = Objects.requireNonNull(tracer, "tracer");
    }

    /** Whether statements record {@code db.query.text} (default true). */
    public Builder recordQueryText(boolean record) {
      this.recordQueryText = record;
      return this;
    }

    /**
     * Whether the recorded text has its literals (strings, numbers, hex, dates) replaced by {@code ?} and comments
     * removed (default true). Turn it off only when statements never carry secrets or personal data.
     */
    public Builder sanitizeQueryText(boolean sanitize) {
      this.sanitizeQueryText = sanitize;
      return this;
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

    /** How statement spans are named (default {@link QuerySpanNamer#standard()}). */
    public Builder spanNamer(QuerySpanNamer namer) {
      this.namer = Objects.requireNonNull(namer, "namer");
      return this;
    }

    public R2dbcTracing build() {
      return new R2dbcTracing(this);
    }
  }
}
