package io.weft.core.instrumentation;

import io.weft.core.Span;
import io.weft.core.SpanBuilder;
import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import io.weft.core.Tracer;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * What every database integration shares (R2DBC, the Vert.x SQL client, MongoDB): the tracer, the settings for
 * query text and span names, and the span helper that applies them: CLIENT spans named {@code OPERATION table}
 * (through the {@link QuerySpanNamer}), carrying the {@link DbTarget}'s attributes, the sanitized statement
 * ({@link SqlSummary}), the operation and the table, and at the end the row counts or the failure with the
 * database's own error code.
 *
 * <pre>{@code
 * DbTracing db = DbTracing.builder(tracer).sanitizeQueryText(true).build();
 * ConnectionFactory traced = R2dbcTracing.create(db).wrap(factory);
 * }</pre>
 *
 * <p>Immutable apart from its failure count; thread-safe. Nothing here blocks or throws on odd input.
 */
public final class DbTracing {
  private static final FailureLog FAILURES = new FailureLog(LoggerFactory.getLogger(DbTracing.class),
      "database tracing failed; the call runs untraced or its span is cut short");

  private final Tracer tracer;
  private final boolean recordQueryText;
  private final boolean sanitizeQueryText;
  private final QuerySpanNamer namer;
  private final LongAdder failures = new LongAdder();

  private DbTracing(Builder builder) {
    this.tracer = builder.tracer;
    this.recordQueryText = builder.recordQueryText;
    this.sanitizeQueryText = builder.sanitizeQueryText;
    this.namer = builder.namer;
  }

  /** The defaults: sanitized query text recorded, spans named {@code OPERATION table}. */
  public static DbTracing create(Tracer tracer) {
    return builder(tracer).build();
  }

  public static Builder builder(Tracer tracer) {
    return new Builder(tracer);
  }

  public Tracer tracer() {
    return tracer;
  }

  /** Whether statements are recorded as {@code db.query.text}. */
  public boolean recordQueryText() {
    return recordQueryText;
  }

  /**
   * Whether span names come from the standard namer, which never reads the sanitized text: an integration whose
   * sanitized text is costly to build can then build it only for a recorded span.
   */
  public boolean standardNames() {
    return namer == QuerySpanNamer.standard();
  }

  /** Whether recorded statements have their literal values replaced (the default). */
  public boolean sanitizeQueryText() {
    return sanitizeQueryText;
  }

  /**
   * A CLIENT span builder named {@code name} with {@code target}'s attributes, added when the span is exported (the
   * target is the builder's {@link SpanBuilder#attributes attribute source}; an integration with more attributes to
   * defer passes a source of its own that adds the target's too).
   */
  public SpanBuilder spanBuilder(String name, DbTarget target) {
    return tracer.spanBuilder(name).kind(SpanKind.CLIENT).attributes(target);
  }

  /**
   * Starts the span of one statement: named by the span namer, with the statement's text (sanitized unless
   * configured otherwise), operation and table.
   *
   * @param parent the span current for the caller (from its Reactor context, say), or null for the thread-local
   *     current span, else a new trace
   * @return the span (not recording when unsampled; {@link Span#invalid()} when tracing failed)
   */
  public Span startQuery(String sql, DbTarget target, @Nullable Span parent) {
    try {
      SqlSummary summary = SqlSummary.of(sql);
      SpanBuilder builder = spanBuilder(spanName(target, summary), target);
      if (parent != null && parent.context().isValid()) {
        builder.parent(parent);
      }
      Span span = builder.start();
      if (span.isRecording()) {
        describe(span, sql, summary);
      }
      return span;
    } catch (RuntimeException | LinkageError e) {
      failed("starting a database span", e);
      return Span.invalid();
    }
  }

  /**
   * Records a statement on a started span: {@code db.query.text} (when recorded; sanitized unless configured
   * otherwise), {@code db.operation.name} and {@code db.collection.name}.
   */
  public void describe(Span span, String sql, SqlSummary summary) {
    if (recordQueryText) {
      span.setAttribute(SemanticAttributes.DB_QUERY_TEXT, sanitizeQueryText ? summary.sanitized() : sql);
    }
    String operation = summary.operation();
    if (operation != null) {
      span.setAttribute(SemanticAttributes.DB_OPERATION_NAME, operation);
    }
    String table = summary.table();
    if (table != null) {
      span.setAttribute(SemanticAttributes.DB_COLLECTION_NAME, table);
    }
  }

  /** The name of a statement's span, from the span namer (the database system when the namer fails). */
  public String spanName(DbTarget target, SqlSummary summary) {
    if (namer == QuerySpanNamer.standard()) {
      return summary.spanName(target.system()); // the same rule, with the name the summary built once
    }
    return spanName(target, summary.operation(), summary.table(), summary.sanitized());
  }

  /**
   * The name of a span whose operation and table the integration worked out itself (a batch: {@code BATCH INSERT}),
   * from the span namer; the database system when the namer fails or names nothing.
   */
  public String spanName(DbTarget target, @Nullable String operation, @Nullable String table, String sanitized) {
    try {
      String name = namer.name(target.system(), operation, table, sanitized);
      return name == null || name.isEmpty() ? target.system() : name;
    } catch (RuntimeException e) {
      failed("the span namer", e);
      return target.system();
    }
  }

  /** The text recorded for {@code sql}: sanitized unless configured otherwise. */
  public String queryText(String sql, SqlSummary summary) {
    return sanitizeQueryText ? summary.sanitized() : sql;
  }

  /**
   * Records what a finished call returned: {@code db.response.returned_rows} and {@code weft.db.rows_affected},
   * each when known (not negative).
   */
  public static void counts(Span span, long returnedRows, long rowsAffected) {
    if (returnedRows >= 0) {
      span.setAttribute(SemanticAttributes.DB_RESPONSE_RETURNED_ROWS, returnedRows);
    }
    if (rowsAffected >= 0) {
      span.setAttribute(SemanticAttributes.WEFT_DB_ROWS_AFFECTED, rowsAffected);
    }
  }

  /**
   * Records a failed call: the exception, status ERROR, {@code error.type} (its class) and, when the database gave
   * one, {@code db.response.status_code} (an SQLSTATE, a MongoDB error code).
   */
  public static void failure(Span span, Throwable error, @Nullable String databaseCode) {
    span.recordException(error);
    span.setStatus(StatusCode.ERROR, error.getMessage());
    span.setAttribute(SemanticAttributes.ERROR_TYPE, error.getClass().getName());
    if (databaseCode != null && !databaseCode.isEmpty()) {
      span.setAttribute(SemanticAttributes.DB_RESPONSE_STATUS_CODE, databaseCode);
    }
  }

  /**
   * Records a call the database answered with an error but the driver reported as a reply, not an exception (a
   * MongoDB write error): status ERROR with {@code message}, {@code error.type} and, when given, {@code
   * db.response.status_code}.
   */
  public static void failure(Span span, String errorType, @Nullable String message, @Nullable String databaseCode) {
    span.setStatus(StatusCode.ERROR, message);
    span.setAttribute(SemanticAttributes.ERROR_TYPE, errorType);
    if (databaseCode != null && !databaseCode.isEmpty()) {
      span.setAttribute(SemanticAttributes.DB_RESPONSE_STATUS_CODE, databaseCode);
    }
  }

  /**
   * Records a failed call of a SQL database: as {@link #failure(Span, Throwable, String)}, with {@code
   * db.response.status_code} the SQLSTATE when the driver gave one, else its vendor code when not 0.
   */
  public static void failure(Span span, Throwable error, @Nullable String sqlState, int vendorCode) {
    failure(span, error, sqlState != null && !sqlState.isEmpty() ? sqlState
        : vendorCode != 0 ? Integer.toString(vendorCode) : null);
  }

  /** How many times tracing code failed (the call then ran untraced, or its span was cut short). */
  public long failures() {
    return failures.sum();
  }

  /** Counts and logs (rate-limited) a failure of tracing code. Never throws. */
  public void failed(String where, Throwable error) {
    failures.increment();
    FAILURES.log(where, error);
  }

  /** Configures {@link DbTracing}. */
  public static final class Builder {
    private final Tracer tracer;
    private boolean recordQueryText = true;
    private boolean sanitizeQueryText = true;
    private QuerySpanNamer namer = QuerySpanNamer.standard();

    private Builder(Tracer tracer) {
      this.tracer = Objects.requireNonNull(tracer, "tracer");
    }

    /** Whether statements are recorded as {@code db.query.text} (default true). */
    public Builder recordQueryText(boolean record) {
      this.recordQueryText = record;
      return this;
    }

    /**
     * Whether recorded statements have their literals replaced by {@code ?} (default true). Turn off only where
     * statements never carry personal data or secrets inline.
     */
    public Builder sanitizeQueryText(boolean sanitize) {
      this.sanitizeQueryText = sanitize;
      return this;
    }

    /** How statement spans are named (default {@code OPERATION table}). */
    public Builder spanNamer(QuerySpanNamer namer) {
      this.namer = Objects.requireNonNull(namer, "namer");
      return this;
    }

    public DbTracing build() {
      return new DbTracing(this);
    }
  }
}
