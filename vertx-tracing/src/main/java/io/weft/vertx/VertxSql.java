package io.weft.vertx;

import io.vertx.sqlclient.DatabaseException;
import io.vertx.sqlclient.SqlResult;
import io.weft.core.Span;
import io.weft.core.instrumentation.DbTarget;
import io.weft.core.instrumentation.DbTracing;
import io.weft.core.instrumentation.SemanticAttributes;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The Vert.x SQL clients' queries, on Weft's database span helper. Loaded only when a query is reported (its tags
 * carry {@code db.system}), so that Vert.x applications without {@code vertx-sql-client} never need it.
 */
final class VertxSql {
  private VertxSql() {}

  /** Starts the span of the query Vert.x describes by {@code tags}. */
  static Span start(DbTracing db, Map<String, String> tags, String operation, @Nullable Span parent) {
    DbTarget target = DbTarget.at(tags.getOrDefault(SemanticAttributes.DB_SYSTEM, DbTarget.OTHER_SQL),
        tags.get(SemanticAttributes.DB_NAMESPACE), tags.get(SemanticAttributes.NETWORK_PEER_ADDRESS));
    String sql = tags.get(SemanticAttributes.DB_QUERY_TEXT);
    if (sql != null) {
      return db.startQuery(sql, target, parent);
    }
    var builder = db.spanBuilder(operation, target);
    if (parent != null) {
      builder.parent(parent);
    }
    return builder.start();
  }

  /** Ends a query's span with what it returned ({@code response}, a {@code SqlResult}) or its failure. */
  static void end(Span span, @Nullable Object response, @Nullable Throwable failure) {
    try {
      if (span.isRecording()) {
        if (failure != null) {
          if (failure instanceof DatabaseException) {
            DatabaseException database = (DatabaseException) failure;
            DbTracing.failure(span, failure, database.getSqlState(), database.getErrorCode());
          } else {
            DbTracing.failure(span, failure, null);
          }
        } else if (response instanceof SqlResult) {
          SqlResult<?> result = (SqlResult<?>) response;
          List<String> columns = result.columnsNames();
          if (columns != null && !columns.isEmpty()) {
            DbTracing.counts(span, result.size(), -1);
          } else {
            DbTracing.counts(span, -1, result.rowCount());
          }
        }
      }
    } finally {
      span.end();
    }
  }
}
