package io.weft.core.instrumentation;

import org.jspecify.annotations.Nullable;

/**
 * Chooses the name of a statement span. The default follows Weft's design: {@code OPERATION table} (e.g. {@code
 * SELECT orders}), else {@code OPERATION}, else the database system; never the full SQL, which would make every
 * statement a separate operation in Application Insights and could leak values.
 */
@FunctionalInterface
public interface QuerySpanNamer {

  /**
   * The span name for one statement.
   *
   * @param dbSystem {@code db.system}, e.g. {@code postgresql}
   * @param operation the statement's first keyword upper-cased ({@code SELECT}, {@code INSERT}…), or null when it is
   *     not a recognised SQL operation
   * @param table the statement's main table when it is cheap to find, or null
   * @param sanitizedQuery the statement with its literals replaced by {@code ?}
   */
  String name(String dbSystem, @Nullable String operation, @Nullable String table, String sanitizedQuery);

  /** {@code OPERATION table}, else {@code OPERATION}, else {@code dbSystem} (always the same instance). */
  static QuerySpanNamer standard() {
    return StandardQuerySpanNamer.INSTANCE;
  }
}
