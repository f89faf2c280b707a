package io.weft.core.instrumentation;

import java.util.Locale;
import java.util.Set;

/**
 * Tells {@link SqlSummary}'s scanner which numbers of a SQL text are a data type's size, precision or scale ({@code
 * VARCHAR(20)}, {@code DECIMAL(10,2)}, {@code TIMESTAMP(6)}): structure, not data, so they stay as written. That
 * holds for a type in a {@code CREATE} or {@code ALTER} statement (until a {@code SELECT} starts inside it: {@code
 * CREATE TABLE … AS SELECT} is data again) and for a cast in any statement ({@code x::numeric(10,2)}, {@code CAST(x AS
 * VARCHAR(20))}). Elsewhere a type's name may be a function taking a value (MySQL's {@code CHAR(65)}), so numbers
 * there are masked as usual.
 *
 * <p>Fed every token in order; one instance per scan, not thread-safe.
 */
final class TypeArguments {
  /** Types whose parentheses hold sizes (upper case; {@code VARYING} for {@code CHARACTER VARYING(20)}). */
  private static final Set<String> SIZED_TYPES = Set.of(
      "CHAR", "CHARACTER", "VARCHAR", "VARYING", "NCHAR", "NVARCHAR", "VARCHAR2", "NVARCHAR2", "TEXT", "CLOB",
      "BINARY", "VARBINARY", "BLOB", "RAW", "BIT", "VARBIT",
      "DECIMAL", "DEC", "NUMERIC", "NUMBER", "FLOAT", "DOUBLE", "REAL",
      "INT", "INTEGER", "TINYINT", "SMALLINT", "MEDIUMINT", "BIGINT",
      "TIME", "TIMESTAMP", "DATETIME", "DATETIME2", "DATETIMEOFFSET", "YEAR", "INTERVAL");

  private boolean first = true;
  private boolean structure;
  private boolean colon;
  private boolean cast;
  private boolean typeName;
  private boolean inside;

  /** An unquoted word of {@code sql}. */
  void word(String sql, int start, int end) {
    colon = false;
    if (inside) {
      return; // VARCHAR(MAX), TIMESTAMP(6 WITH TIME ZONE)…
    }
    if (first) {
      first = false;
      structure = is(sql, start, end, "CREATE") || is(sql, start, end, "ALTER");
    } else if (structure && is(sql, start, end, "SELECT")) {
      structure = false;
    }
    typeName = (structure || cast) && end - start <= 14
        && SIZED_TYPES.contains(sql.substring(start, end).toUpperCase(Locale.ROOT));
    cast = is(sql, start, end, "AS");
  }

  /** A punctuation character. */
  void punctuation(char c) {
    if (inside) {
      if (c == ')') {
        inside = false;
      }
      return;
    }
    if (c == '(' && typeName) {
      inside = true;
    }
    boolean doubleColon = c == ':' && colon;
    colon = c == ':' && !doubleColon;
    cast = doubleColon;
    typeName = false;
  }

  /** Any other token: a literal, a quoted name, a bind marker. */
  void other() {
    if (!inside) {
      colon = false;
      cast = false;
      typeName = false;
    }
  }

  /** Whether the number just read is a type's size, to be kept as written. */
  boolean keepsNumber() {
    return inside;
  }

  private static boolean is(String sql, int start, int end, String keyword) {
    return end - start == keyword.length() && sql.regionMatches(true, start, keyword, 0, keyword.length());
  }
}
