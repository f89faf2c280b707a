package io.weft.core.instrumentation;

import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * What a tracer records about one SQL text: the text with its literals masked, the statement's operation and, when
 * it is cheap to tell, the table it targets.
 *
 * <p>Literals are masked because a query text is exported as {@code db.query.text} and literals are where personal
 * data and secrets end up; bind markers ({@code $1}, {@code ?}, {@code :id}, {@code @p1}) are kept because they carry
 * no values and show how the statement is parameterised, and so are the sizes of data types in DDL and casts
 * ({@code VARCHAR(20)}, {@code DECIMAL(10,2)}: see {@link TypeArguments}). The analysis is a hand-written single pass over the chars
 * rather than a parser: it runs on every statement, must cost next to nothing and must never fail, whatever dialect
 * or garbage it is given. Where the pass cannot tell, it prefers masking too much over leaking a value, and reporting
 * no table over guessing one.
 *
 * <p>Summaries are cached by SQL text, since an application runs the same few hundred statements over and over.
 * Instances are immutable and thread-safe. {@link DbTracing} uses it; a SQL integration may too.
 */
public final class SqlSummary {
  /** Longest sanitized text kept; an exporter would cut longer ones anyway. */
  static final int MAX_SANITIZED_LENGTH = 8192;
  /** Most summaries cached; bounds the memory a stream of one-off statements can pin. */
  static final int MAX_CACHE_SIZE = 1000;
  /** Longest SQL cached: long texts are mostly generated one-offs (bulk inserts, huge IN lists). */
  static final int MAX_CACHED_SQL_LENGTH = 4096;
  /** Longest table name reported; anything longer is garbage (an unterminated quote) rather than a name. */
  static final int MAX_TABLE_LENGTH = 256;
  /** Longest PostgreSQL dollar-quote tag (identifiers are at most 63 bytes); also keeps the closing search linear. */
  private static final int MAX_DOLLAR_TAG_LENGTH = 63;

  private static final String[] OPERATIONS = {
    "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "REPLACE", "CREATE", "ALTER", "DROP", "TRUNCATE",
    "CALL", "EXEC", "EXECUTE", "WITH", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET", "SHOW",
    "EXPLAIN", "GRANT", "REVOKE", "VALUES",
  };
  /** Statements a CTE list can lead into; the first one at the WITH's depth is the statement's real operation. */
  private static final String[] CTE_MAIN_OPERATIONS = {"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE"};
  /** Words allowed between an operation and the keyword before its table (MySQL, SQLite, temporary tables). */
  private static final String[] MODIFIERS = {
    "OR", "REPLACE", "IGNORE", "LOW_PRIORITY", "HIGH_PRIORITY", "DELAYED", "QUICK", "TEMPORARY", "TEMP",
    "UNLOGGED", "GLOBAL", "LOCAL", "ABORT", "FAIL", "ROLLBACK",
  };
  /** Words allowed right before a table name ({@code IF NOT EXISTS}, PostgreSQL's {@code ONLY}). */
  private static final String[] NAME_PREFIXES = {"IF", "NOT", "EXISTS", "ONLY"};

  private static final ConcurrentHashMap<String, SqlSummary> CACHE = new ConcurrentHashMap<>();
  private static final SqlSummary EMPTY = new SqlSummary("", null, null);

  private final String sanitized;
  private final @Nullable String operation;
  private final @Nullable String table;
  /** {@code operation + " " + table}, built once so that naming a span allocates nothing. */
  private final @Nullable String operationAndTable;

  private SqlSummary(String sanitized, @Nullable String operation, @Nullable String table) {
    this.sanitized = sanitized;
    this.operation = operation;
    this.table = table;
    this.operationAndTable = operation != null && table != null ? operation + ' ' + table : null;
  }

  /**
   * The summary of {@code sql}; never throws. Cached: asking again for an equal text returns the same instance. When
   * the cache is full it is cleared rather than frozen, so that statements that are hot now get back in even after a
   * burst of one-off texts filled it.
   */
  public static SqlSummary of(String sql) {
    if (sql.length() > MAX_CACHED_SQL_LENGTH) {
      return analyse(sql);
    }
    SqlSummary summary = CACHE.get(sql);
    if (summary != null) {
      return summary;
    }
    summary = analyse(sql);
    if (CACHE.size() >= MAX_CACHE_SIZE) {
      CACHE.clear();
    }
    SqlSummary raced = CACHE.putIfAbsent(sql, summary);
    return raced != null ? raced : summary;
  }

  /** Number of cached summaries; visible for tests. */
  static int cachedCount() {
    return CACHE.size();
  }

  /**
   * The SQL with every literal replaced by {@code ?}, comments removed and whitespace collapsed; at most
   * {@value #MAX_SANITIZED_LENGTH} chars. A minus sign is an operator to a scanner, so {@code -1} becomes {@code -?}.
   */
  public String sanitized() {
    return sanitized;
  }

  /** The upper-cased statement keyword ({@code SELECT}, {@code INSERT}, ...); {@code null} when not a known one. */
  public @Nullable String operation() {
    return operation;
  }

  /** The table the statement targets, as written but without quotes; {@code null} when not cheaply derivable. */
  public @Nullable String table() {
    return table;
  }

  /**
   * The span name for the statement: {@code "OPERATION table"}, else {@code "OPERATION"}, else {@code dbSystem}. Low
   * cardinality by construction, because it never contains the text itself.
   */
  public String spanName(String dbSystem) {
    if (operationAndTable != null) {
      return operationAndTable;
    }
    return operation != null ? operation : dbSystem;
  }

  @Override
  public String toString() {
    return "SqlSummary{operation=" + operation + ", table=" + table + ", sanitized=" + sanitized + '}';
  }

  private static SqlSummary analyse(String sql) {
    try {
      return scan(sql);
    } catch (RuntimeException e) {
      // A scanner bug must not fail the traced statement; an empty text leaks nothing.
      return EMPTY;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Scanner: splits the text into tokens, writes the sanitized text and feeds the tokens to the Analyzer.

  /** The analysis itself: uncached and unguarded, so that tests see a scanner exception; visible for tests. */
  static SqlSummary scan(String sql) {
    int n = sql.length();
    StringBuilder out = new StringBuilder(Math.min(n, MAX_SANITIZED_LENGTH));
    Analyzer analyzer = new Analyzer(sql);
    TypeArguments types = new TypeArguments();
    boolean space = false;
    int i = 0;
    while (i < n) {
      if (out.length() >= MAX_SANITIZED_LENGTH && analyzer.isDone()) {
        break;
      }
      char c = sql.charAt(i);
      char next = i + 1 < n ? sql.charAt(i + 1) : '\0';
      if (isSpace(c)) {
        space = true;
        i++;
        continue;
      }
      if (c == '-' && next == '-') {
        i = skipLineComment(sql, i + 2);
        space = true; // a comment separates tokens: "1-/**/-1" must not become the comment "?--?"
        continue;
      }
      if (c == '/' && next == '*') {
        i = skipBlockComment(sql, i + 2);
        space = true;
        continue;
      }
      if (space && out.length() > 0) {
        append(out, ' ');
      }
      space = false;
      int end;
      if (c == '\'') {
        end = skipQuoted(sql, i + 1, '\'', false);
        literal(out, analyzer);
        types.other();
      } else if (isIdentifierStart(c)) {
        if (next == '\'' && isStringPrefix(c)) {
          // E'..', N'..', X'..', B'..': the prefix is part of the literal. Only E strings have backslash escapes.
          end = skipQuoted(sql, i + 2, '\'', c == 'e' || c == 'E');
          literal(out, analyzer);
          types.other();
        } else {
          end = skipIdentifier(sql, i + 1);
          append(out, sql, i, end);
          analyzer.word(i, end);
          types.word(sql, i, end);
        }
      } else if (isDigit(c) || (c == '.' && isDigit(next) && !followsName(sql, i))) {
        // A word starting with a digit is masked up to its first letter: to MySQL "1col" is a name, but to others
        // "10AND" is a number and a keyword, and masking too much beats leaking.
        end = skipNumber(sql, i);
        if (types.keepsNumber()) {
          append(out, sql, i, end); // a type's size: structure, not data
          analyzer.other();
        } else {
          literal(out, analyzer);
        }
        types.other();
      } else if (c == '"' || c == '`') {
        end = skipQuoted(sql, i + 1, c, false);
        append(out, sql, i, end);
        analyzer.quoted(i, end);
        types.other();
      } else if (c == '[' && analyzer.wantsName()) {
        // SQL Server [name]; elsewhere '[' is an array subscript whose contents are masked as usual.
        end = skipQuoted(sql, i + 1, ']', false);
        append(out, sql, i, end);
        analyzer.quoted(i, end);
        types.other();
      } else if (c == '$') {
        int dollarEnd = dollarQuoteEnd(sql, i);
        if (dollarEnd > 0) {
          end = dollarEnd;
          literal(out, analyzer);
        } else if (isDigit(next)) {
          end = skipDigits(sql, i + 1); // bind marker $1
          append(out, sql, i, end);
          analyzer.other();
        } else {
          end = i + 1;
          append(out, c);
          analyzer.punctuation(c);
        }
        types.other();
      } else if ((c == '?' || c == ':') && isDigit(next)) {
        end = skipDigits(sql, i + 1); // bind markers ?1 (JDBC-style) and :1 (Oracle)
        append(out, sql, i, end);
        analyzer.other();
        types.other();
      } else {
        end = i + 1;
        append(out, c);
        analyzer.punctuation(c);
        types.punctuation(c);
      }
      i = end;
    }
    analyzer.end();
    return new SqlSummary(finish(out), analyzer.operation, analyzer.table);
  }

  private static void literal(StringBuilder out, Analyzer analyzer) {
    append(out, '?');
    analyzer.other();
  }

  private static void append(StringBuilder out, char c) {
    if (out.length() < MAX_SANITIZED_LENGTH) {
      out.append(c);
    }
  }

  private static void append(StringBuilder out, String sql, int start, int end) {
    int room = MAX_SANITIZED_LENGTH - out.length();
    if (room > 0) {
      out.append(sql, start, Math.min(end, start + room));
    }
  }

  /**
   * Drops trailing whitespace (a separating space before a cut, or the tail of an unterminated quoted name) and a
   * trailing half of a surrogate pair, which a cut at the length bound can leave and JSON encoders choke on.
   */
  private static String finish(StringBuilder out) {
    int length = out.length();
    while (length > 0 && (isSpace(out.charAt(length - 1)) || Character.isHighSurrogate(out.charAt(length - 1)))) {
      length--;
    }
    out.setLength(length);
    return out.toString();
  }

  private static int skipLineComment(String sql, int i) {
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (c == '\n' || c == '\r') {
        return i;
      }
      i++;
    }
    return n;
  }

  /** Block comments nest, as in standard SQL and PostgreSQL; for MySQL that masks too much, never too little. */
  private static int skipBlockComment(String sql, int i) {
    int n = sql.length();
    int depth = 1;
    while (i < n) {
      char c = sql.charAt(i);
      char next = i + 1 < n ? sql.charAt(i + 1) : '\0';
      if (c == '*' && next == '/') {
        i += 2;
        if (--depth == 0) {
          return i;
        }
      } else if (c == '/' && next == '*') {
        i += 2;
        depth++;
      } else {
        i++;
      }
    }
    return n;
  }

  /**
   * End of a quoted token whose body starts at {@code i}: a doubled {@code close} is an escaped one; a backslash
   * escapes the next char only when asked (E strings). Unterminated: the rest of the text.
   */
  private static int skipQuoted(String sql, int i, char close, boolean backslashEscapes) {
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (backslashEscapes && c == '\\') {
        i += 2;
      } else if (c == close) {
        if (i + 1 < n && sql.charAt(i + 1) == close) {
          i += 2;
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    return n;
  }

  /**
   * End of the PostgreSQL dollar-quoted string ({@code $$..$$}, {@code $tag$..$tag$}) opening at {@code i}, the rest
   * of the text when unterminated; {@code -1} when no dollar quote opens there.
   */
  private static int dollarQuoteEnd(String sql, int i) {
    int n = sql.length();
    int j = i + 1;
    if (j < n && isIdentifierStart(sql.charAt(j))) {
      int tagLimit = Math.min(n, j + MAX_DOLLAR_TAG_LENGTH);
      while (j < tagLimit && sql.charAt(j) != '$' && isIdentifierPart(sql.charAt(j))) {
        j++;
      }
    }
    if (j >= n || sql.charAt(j) != '$') {
      return -1;
    }
    int delimiterLength = j + 1 - i;
    int k = j + 1;
    while (true) {
      k = sql.indexOf('$', k);
      if (k < 0 || k + delimiterLength > n) {
        return n;
      }
      if (sql.regionMatches(k, sql, i, delimiterLength)) {
        return k + delimiterLength;
      }
      k++;
    }
  }

  /**
   * End of the numeric literal at {@code i}: decimal with optional fraction and exponent ({@code 1}, {@code 1.5},
   * {@code .5}, {@code 1.}, {@code 1.5e-10}), {@code 0x}/{@code 0o}/{@code 0b} integers, digit separators
   * ({@code 1_000}).
   */
  private static int skipNumber(String sql, int i) {
    int n = sql.length();
    if (sql.charAt(i) == '0' && i + 2 < n) {
      char radix = (char) (sql.charAt(i + 1) | 0x20);
      int base = radix == 'x' ? 16 : radix == 'o' ? 8 : radix == 'b' ? 2 : 0;
      if (base != 0 && Character.digit(sql.charAt(i + 2), base) >= 0) {
        int j = i + 3;
        while (j < n && (Character.digit(sql.charAt(j), base) >= 0 || sql.charAt(j) == '_')) {
          j++;
        }
        return j;
      }
    }
    int j = skipDigits(sql, i);
    if (j < n && sql.charAt(j) == '.') {
      j = skipDigits(sql, j + 1);
    }
    if (j < n && (sql.charAt(j) | 0x20) == 'e') {
      int k = j + 1;
      if (k < n && (sql.charAt(k) == '+' || sql.charAt(k) == '-')) {
        k++;
      }
      if (k < n && isDigit(sql.charAt(k))) {
        j = skipDigits(sql, k);
      }
    }
    return j;
  }

  /** End of a run of digits, allowing single underscores between digits. */
  private static int skipDigits(String sql, int i) {
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (isDigit(c) || (c == '_' && i + 1 < n && isDigit(sql.charAt(i + 1)) && i > 0 && isDigit(sql.charAt(i - 1)))) {
        i++;
      } else {
        break;
      }
    }
    return i;
  }

  private static int skipIdentifier(String sql, int i) {
    int n = sql.length();
    while (i < n && isIdentifierPart(sql.charAt(i))) {
      i++;
    }
    return i;
  }

  /** Whether the '.' at {@code i} qualifies a preceding name ({@code db.1col}) rather than starting {@code .5}. */
  private static boolean followsName(String sql, int i) {
    if (i == 0) {
      return false;
    }
    char previous = sql.charAt(i - 1);
    return isIdentifierPart(previous) || previous == '"' || previous == '`' || previous == ']';
  }

  private static boolean isSpace(char c) {
    return c <= ' ' || (c >= 0x80 && (Character.isWhitespace(c) || Character.isSpaceChar(c)));
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isIdentifierStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= 0x80 && Character.isLetter(c));
  }

  private static boolean isIdentifierPart(char c) {
    return isIdentifierStart(c) || isDigit(c) || c == '$' || (c >= 0x80 && Character.isLetterOrDigit(c));
  }

  private static boolean isStringPrefix(char c) {
    switch (c) {
      case 'e': case 'E': case 'n': case 'N': case 'x': case 'X': case 'b': case 'B':
        return true;
      default:
        return false;
    }
  }

  /** Whether {@code sql[start, end)} is {@code keyword} (upper case), compared ASCII case-insensitively. */
  private static boolean is(String sql, int start, int end, String keyword) {
    if (end - start != keyword.length()) {
      return false;
    }
    for (int k = 0; k < keyword.length(); k++) {
      char c = sql.charAt(start + k);
      if (c >= 'a' && c <= 'z') {
        c = (char) (c - ('a' - 'A'));
      }
      if (c != keyword.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private static @Nullable String match(String sql, int start, int end, String[] keywords) {
    for (String keyword : keywords) {
      if (is(sql, start, end, keyword)) {
        return keyword;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Analyzer: a small state machine over the tokens, finding the operation and the target table.

  /** Mutable, one per scan. */
  private static final class Analyzer {
    /** Expects the statement keyword; leading '(' are skipped. */
    private static final int OPERATION = 0;
    /** SELECT: looks for the first FROM at the statement's depth. */
    private static final int SEEK_FROM = 1;
    /** Looks for {@code keyword} (INTO, FROM, TABLE), skipping {@code MODIFIERS}. */
    private static final int SEEK_KEYWORD = 2;
    /** TRUNCATE: an optional TABLE. */
    private static final int OPTIONAL_TABLE = 3;
    /** WITH: looks for the main statement after the CTE list, at the WITH's depth. */
    private static final int CTE = 4;
    /** Expects the first part of the table name. */
    private static final int NAME_START = 5;
    /** Has a name part; a '.' continues the name, anything else ends it. */
    private static final int NAME_DOT = 6;
    /** After a '.', expects the next part. */
    private static final int NAME_PART = 7;
    private static final int DONE = 8;

    private final String sql;
    private int state = OPERATION;
    private int depth;
    private int statementDepth;
    private String keyword = "";
    private @Nullable StringBuilder name;
    @Nullable String operation;
    @Nullable String table;

    Analyzer(String sql) {
      this.sql = sql;
    }

    boolean isDone() {
      return state == DONE;
    }

    boolean wantsName() {
      return state == NAME_START || state == NAME_PART;
    }

    /** An unquoted word: keyword or identifier. */
    void word(int start, int end) {
      switch (state) {
        case OPERATION:
          operation = match(sql, start, end, OPERATIONS);
          statementDepth = depth;
          state = operation == null ? DONE : stateAfter(operation);
          break;
        case SEEK_FROM:
          if (depth == statementDepth && is(sql, start, end, "FROM")) {
            state = NAME_START;
          }
          break;
        case SEEK_KEYWORD:
          if (is(sql, start, end, keyword)) {
            state = NAME_START;
          } else if (match(sql, start, end, MODIFIERS) == null) {
            state = DONE;
          }
          break;
        case OPTIONAL_TABLE:
          state = NAME_START;
          if (!is(sql, start, end, "TABLE")) {
            word(start, end);
          }
          break;
        case CTE:
          if (depth == statementDepth) {
            String main = match(sql, start, end, CTE_MAIN_OPERATIONS);
            if (main != null) {
              operation = main;
              state = stateAfter(main);
            }
          }
          break;
        case NAME_START:
          if (match(sql, start, end, NAME_PREFIXES) == null) {
            namePart(start, end, '\0');
          }
          break;
        case NAME_PART:
          namePart(start, end, '\0');
          break;
        case NAME_DOT:
          finishName();
          break;
        default:
          break;
      }
    }

    /** A quoted identifier, quotes included: {@code "x"}, {@code `x`} or {@code [x]}. */
    void quoted(int start, int end) {
      if (wantsName()) {
        char open = sql.charAt(start);
        namePart(start + 1, end, open == '[' ? ']' : open);
      } else {
        other();
      }
    }

    void punctuation(char c) {
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      }
      switch (state) {
        case OPERATION:
          if (c != '(') {
            state = DONE;
          }
          break;
        case SEEK_FROM:
        case CTE:
          if (c == ';' && depth == statementDepth) {
            state = DONE;
          }
          break;
        case NAME_DOT:
          if (c == '.') {
            state = NAME_PART;
          } else {
            finishName();
          }
          break;
        case NAME_PART:
          finishName();
          break;
        case SEEK_KEYWORD:
        case OPTIONAL_TABLE:
        case NAME_START: // FROM (subquery)
          state = DONE;
          break;
        default:
          break;
      }
    }

    /** A literal or bind marker. */
    void other() {
      switch (state) {
        case SEEK_FROM:
        case CTE:
          break;
        case NAME_DOT:
        case NAME_PART:
          finishName();
          break;
        default:
          state = DONE;
          break;
      }
    }

    void end() {
      if (state == NAME_DOT || state == NAME_PART) {
        finishName();
      }
    }

    private int stateAfter(String op) {
      switch (op) {
        case "SELECT":
          return SEEK_FROM;
        case "INSERT":
        case "REPLACE":
        case "MERGE":
          keyword = "INTO";
          return SEEK_KEYWORD;
        case "DELETE":
          keyword = "FROM";
          return SEEK_KEYWORD;
        case "CREATE":
        case "DROP":
        case "ALTER":
          keyword = "TABLE";
          return SEEK_KEYWORD;
        case "UPDATE":
          return NAME_START;
        case "TRUNCATE":
          return OPTIONAL_TABLE;
        case "WITH":
          return CTE;
        default:
          return DONE;
      }
    }

    /** Appends {@code sql[start, end)}; when {@code close} is a quote, drops it from the end and unescapes it. */
    private void namePart(int start, int end, char close) {
      StringBuilder builder = name;
      if (builder == null) {
        builder = new StringBuilder();
        name = builder;
      } else {
        builder.append('.');
      }
      if (close == '\0') {
        builder.append(sql, start, Math.min(end, start + MAX_TABLE_LENGTH + 1));
      } else {
        int stop = end > start && sql.charAt(end - 1) == close ? end - 1 : end; // unterminated: no closing quote
        for (int i = start; i < stop && builder.length() <= MAX_TABLE_LENGTH; i++) {
          char c = sql.charAt(i);
          builder.append(c);
          if (c == close) {
            i++; // the doubled quote
          }
        }
      }
      state = NAME_DOT;
    }

    private void finishName() {
      StringBuilder builder = name;
      if (builder != null && builder.length() > 0 && builder.length() <= MAX_TABLE_LENGTH) {
        table = builder.toString();
      }
      state = DONE;
    }
  }
}
