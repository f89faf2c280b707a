package io.weft.core.instrumentation;

import org.jspecify.annotations.Nullable;

/** {@link QuerySpanNamer#standard()}: one instance, which {@link DbTracing} recognises. */
final class StandardQuerySpanNamer implements QuerySpanNamer {
  static final QuerySpanNamer INSTANCE = new StandardQuerySpanNamer();

  private StandardQuerySpanNamer() {}

  @Override
  public String name(String dbSystem, @Nullable String operation, @Nullable String table, String sanitizedQuery) {
    return operation == null ? dbSystem : table == null ? operation : operation + " " + table;
  }
}
