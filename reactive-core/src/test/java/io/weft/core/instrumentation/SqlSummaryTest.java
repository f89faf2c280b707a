package io.weft.core.instrumentation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SqlSummaryTest {

  static Stream<Arguments> sanitized() {
    return Stream.of(
        // plain literals
        arguments("SELECT * FROM orders WHERE id = 42", "SELECT * FROM orders WHERE id = ?"),
        arguments("UPDATE t SET a = 'x' WHERE id IN (1, 2, 3)", "UPDATE t SET a = ? WHERE id IN (?, ?, ?)"),
        arguments("INSERT INTO t (a, b) VALUES ($1, 'x'), (2, 3.0)", "INSERT INTO t (a, b) VALUES ($1, ?), (?, ?)"),
        // single-quoted strings: '' is an escaped quote, backslash is an ordinary char
        arguments("SELECT 'it''s', 'x' || 'y'", "SELECT ?, ? || ?"),
        arguments("SELECT 'C:\\dir\\' AS p", "SELECT ? AS p"),
        arguments("SELECT * FROM t WHERE name = 'unterminated secret", "SELECT * FROM t WHERE name = ?"),
        arguments("SELECT 'ends in an escaped quote''", "SELECT ?"),
        // prefixed strings: the prefix is consumed; only E strings know backslash escapes
        arguments("SELECT E'it\\'s', N'abc', X'0F', B'0101', e'x', n'y', x'z', b'1'", "SELECT ?, ?, ?, ?, ?, ?, ?, ?"),
        arguments("SELECT E'a''b' FROM t", "SELECT ? FROM t"),
        arguments("SELECT U&'d\\0061t'", "SELECT U&?"),
        arguments("SELECT DATE '2024-01-01', TIMESTAMP '2024-01-01 10:00:00', INTERVAL '1 day'",
            "SELECT DATE ?, TIMESTAMP ?, INTERVAL ?"),
        arguments("SELECT DATE'2024-01-01'", "SELECT DATE?"),
        // dollar quotes
        arguments("SELECT $$secret$$, $tag$it's $$ nested$tag$, $a$x$b$y$a$", "SELECT ?, ?, ?"),
        arguments("DO $body$ BEGIN RAISE NOTICE '42'; END $body$", "DO ?"),
        arguments("SELECT $body$ unterminated secret", "SELECT ?"),
        arguments("SELECT $ FROM t", "SELECT $ FROM t"),
        arguments("SELECT a$1, t$x$ FROM t$x", "SELECT a$1, t$x$ FROM t$x"),
        // numbers
        arguments("SELECT 1, 1.5, .5, 1., 1.5e10, 1E-3, 2e+7, 0x1F, 0XFF, 0b101, 0o17, 1_000_000",
            "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"),
        arguments("SELECT -1, a-1, 5-3, -.5", "SELECT -?, a-?, ?-?, -?"),
        arguments("SELECT a FROM t WHERE b>=10AND c<2", "SELECT a FROM t WHERE b>=?AND c<?"),
        arguments("SELECT a[1], b[2:3] FROM t", "SELECT a[?], b[?:3] FROM t"),
        // digits inside identifiers are no literals
        arguments("SELECT table1.col2, t2.col3 FROM table1 t2", "SELECT table1.col2, t2.col3 FROM table1 t2"),
        arguments("SELECT _2, a1_2 FROM t", "SELECT _2, a1_2 FROM t"),
        // a word starting with a digit is masked up to its first letter, whatever MySQL thinks
        arguments("SELECT 1col FROM db.2tab WHERE x = 1e", "SELECT ?col FROM db.?tab WHERE x = ?e"),
        arguments("SELECT naïve1, 'ünïcode' FROM t", "SELECT naïve1, ? FROM t"),
        // quoted identifiers are kept verbatim
        arguments("SELECT \"col 1\", \"a\"\"b 2\", `c 3`, `d``4` FROM \"t 5\"",
            "SELECT \"col 1\", \"a\"\"b 2\", `c 3`, `d``4` FROM \"t 5\""),
        arguments("SELECT \"it's 42\" FROM t", "SELECT \"it's 42\" FROM t"),
        arguments("SELECT \"unterminated 42", "SELECT \"unterminated 42"),
        arguments("SELECT * FROM [dbo].[order 1]", "SELECT * FROM [dbo].[order 1]"),
        // bind markers are kept
        arguments("SELECT * FROM t WHERE a = $1 AND b = $12 AND c = ? AND d = :id AND e = @p1 AND f = ?2 AND g = :3",
            "SELECT * FROM t WHERE a = $1 AND b = $12 AND c = ? AND d = :id AND e = @p1 AND f = ?2 AND g = :3"),
        arguments("SELECT '1'::int, x::numeric(10,2)", "SELECT ?::int, x::numeric(10,2)"),
        // true, false and NULL are no literals here
        arguments("SELECT true, false, NULL, null", "SELECT true, false, NULL, null"),
        // comments
        arguments("SELECT 1 -- comment 42\nFROM t", "SELECT ? FROM t"),
        arguments("SELECT 1 -- comment 42\r\nFROM t", "SELECT ? FROM t"),
        arguments("SELECT a -- secret 42", "SELECT a"),
        arguments("SELECT /* c 42 */ a FROM t", "SELECT a FROM t"),
        arguments("SELECT a/*x*/b", "SELECT a b"),
        arguments("SELECT 1-/**/-1", "SELECT ?- -?"),
        arguments("SELECT /* a /* nested 1 */ still 42 */ a", "SELECT a"),
        arguments("SELECT a /* unterminated 42", "SELECT a"),
        arguments("SELECT a /* unterminated /* nested */ 42", "SELECT a"),
        arguments("SELECT '--not a comment', '/* nor this */' FROM t", "SELECT ?, ? FROM t"),
        arguments("SELECT \"--kept\" FROM t", "SELECT \"--kept\" FROM t"),
        // whitespace
        arguments("  SELECT\ta,\n\n  b\r\nFROM   t  ", "SELECT a, b FROM t"),
        arguments("SELECT\u00a0a\u2003FROM t", "SELECT a FROM t"),
        arguments("", ""),
        arguments(" \t\r\n ", ""),
        arguments("-- only a comment", ""),
        arguments("/* only */ /* comments */", ""),
        arguments("'", "?"),
        arguments("\"", "\""));
  }

  @ParameterizedTest
  @MethodSource
  void sanitized(String sql, String expected) {
    assertThat(SqlSummary.scan(sql).sanitized()).isEqualTo(expected);
  }

  static Stream<Arguments> operationAndTable() {
    return Stream.of(
        // SELECT: the first table after the first top-level FROM
        arguments("SELECT * FROM orders WHERE id = $1", "SELECT", "orders"),
        arguments("select a from public.orders o", "SELECT", "public.orders"),
        arguments("SELECT * FROM \"Order Items\"", "SELECT", "Order Items"),
        arguments("SELECT * FROM \"public\".\"my\"\"table\"", "SELECT", "public.my\"table"),
        arguments("SELECT * FROM `shop`.`orders`", "SELECT", "shop.orders"),
        arguments("SELECT * FROM [dbo].[orders]", "SELECT", "dbo.orders"),
        arguments("SELECT * FROM a, b", "SELECT", "a"),
        arguments("SELECT * FROM a JOIN b ON a.id = b.id", "SELECT", "a"),
        arguments("SELECT * FROM ONLY parent", "SELECT", "parent"),
        arguments("SELECT * FROM t1;", "SELECT", "t1"),
        arguments("SELECT EXTRACT(YEAR FROM d) FROM events", "SELECT", "events"),
        arguments("SELECT (SELECT max(a) FROM b) FROM c", "SELECT", "c"),
        arguments("SELECT * FROM (SELECT * FROM t) x", "SELECT", null),
        arguments("SELECT * FROM \"unterminated", "SELECT", "unterminated"),
        arguments("SELECT * FROM $1", "SELECT", null),
        arguments("SELECT 1", "SELECT", null),
        arguments("SELECT 1; DELETE FROM t", "SELECT", null),
        arguments("(SELECT a FROM t1) UNION (SELECT a FROM t2)", "SELECT", "t1"),
        arguments("  -- leading\n /* comment */ ( (select 1 FROM t))", "SELECT", "t"),
        // INSERT, UPSERT, REPLACE, MERGE
        arguments("INSERT INTO orders (id) VALUES (1)", "INSERT", "orders"),
        arguments("insert into shop.orders(id) values (1)", "INSERT", "shop.orders"),
        arguments("INSERT IGNORE INTO orders VALUES (1)", "INSERT", "orders"),
        arguments("INSERT OR REPLACE INTO kv VALUES (1)", "INSERT", "kv"),
        arguments("INSERT INTO t SELECT * FROM u", "INSERT", "t"),
        arguments("REPLACE INTO kv VALUES (1, 'a')", "REPLACE", "kv"),
        arguments("UPSERT INTO kv VALUES (1)", "UPSERT", null),
        arguments("MERGE INTO target t USING src s ON t.id = s.id WHEN MATCHED THEN DELETE", "MERGE", "target"),
        // UPDATE, DELETE
        arguments("UPDATE orders SET a = 1", "UPDATE", "orders"),
        arguments("UPDATE ONLY s.orders SET a = 1", "UPDATE", "s.orders"),
        arguments("DELETE FROM orders WHERE id = ?", "DELETE", "orders"),
        arguments("DELETE FROM \"weird\"\"name\"", "DELETE", "weird\"name"),
        arguments("DELETE orders WHERE id = 1", "DELETE", null),
        // DDL
        arguments("CREATE TABLE orders (id int)", "CREATE", "orders"),
        arguments("CREATE TABLE IF NOT EXISTS app.orders(id int)", "CREATE", "app.orders"),
        arguments("CREATE TEMPORARY TABLE tmp (id int)", "CREATE", "tmp"),
        arguments("create unlogged table u (id int)", "CREATE", "u"),
        arguments("CREATE INDEX idx ON orders (id)", "CREATE", null),
        arguments("CREATE VIEW v AS TABLE t", "CREATE", null),
        arguments("DROP TABLE orders", "DROP", "orders"),
        arguments("DROP TABLE IF EXISTS orders, items CASCADE", "DROP", "orders"),
        arguments("DROP INDEX idx", "DROP", null),
        arguments("ALTER TABLE orders ADD COLUMN x int", "ALTER", "orders"),
        arguments("ALTER TABLE IF EXISTS ONLY orders ADD x int", "ALTER", "orders"),
        arguments("TRUNCATE orders", "TRUNCATE", "orders"),
        arguments("TRUNCATE TABLE orders RESTART IDENTITY", "TRUNCATE", "orders"),
        arguments("TRUNCATE ONLY orders", "TRUNCATE", "orders"),
        // CTE: the main statement after the CTE list
        arguments("WITH recent AS (SELECT * FROM orders WHERE d > now()) SELECT * FROM recent", "SELECT", "recent"),
        arguments("WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n+1 FROM t) SELECT sum(n) FROM t", "SELECT",
            "t"),
        arguments("WITH moved AS (DELETE FROM a RETURNING *) INSERT INTO b SELECT * FROM moved", "INSERT", "b"),
        arguments("WITH x AS (SELECT 1), y AS (SELECT 2) UPDATE t SET a = 1", "UPDATE", "t"),
        arguments("WITH x AS (SELECT 1 FROM t)", "WITH", null),
        // operations without a table
        arguments("CALL proc(1)", "CALL", null),
        arguments("EXEC sp_who", "EXEC", null),
        arguments("EXECUTE stmt (1)", "EXECUTE", null),
        arguments("BEGIN", "BEGIN", null),
        arguments("commit", "COMMIT", null),
        arguments("ROLLBACK TO SAVEPOINT sp1", "ROLLBACK", null),
        arguments("SAVEPOINT sp1", "SAVEPOINT", null),
        arguments("RELEASE SAVEPOINT sp1", "RELEASE", null),
        arguments("SET search_path = app", "SET", null),
        arguments("SHOW TABLES", "SHOW", null),
        arguments("EXPLAIN SELECT * FROM t", "EXPLAIN", null),
        arguments("GRANT SELECT ON t TO u", "GRANT", null),
        arguments("REVOKE SELECT ON t FROM u", "REVOKE", null),
        arguments("VALUES (1, 2)", "VALUES", null),
        // no known operation
        arguments("START TRANSACTION", null, null),
        arguments("SELECTED * FROM t", null, null),
        arguments("\"SELECT\" 1", null, null),
        arguments("; SELECT 1", null, null),
        arguments("42", null, null),
        arguments("garbage !!", null, null),
        arguments("", null, null),
        arguments("  \n ", null, null),
        arguments("/* unterminated SELECT", null, null));
  }

  @ParameterizedTest
  @MethodSource
  void operationAndTable(String sql, String operation, String table) {
    SqlSummary summary = SqlSummary.scan(sql);
    assertThat(summary.operation()).as("operation").isEqualTo(operation);
    assertThat(summary.table()).as("table").isEqualTo(table);
  }

  static Stream<Arguments> spanName() {
    return Stream.of(
        arguments("SELECT * FROM orders WHERE id = 1", "SELECT orders"),
        arguments("insert into public.orders values (1)", "INSERT public.orders"),
        arguments("SELECT 1", "SELECT"),
        arguments("BEGIN", "BEGIN"),
        arguments("START TRANSACTION", "postgresql"),
        arguments("", "postgresql"));
  }

  @ParameterizedTest
  @MethodSource
  void spanName(String sql, String expected) {
    assertThat(SqlSummary.of(sql).spanName("postgresql")).isEqualTo(expected);
  }

  @Test
  void tableNamesLongerThanAnyRealOneAreDropped() {
    assertThat(SqlSummary.scan("SELECT * FROM " + "t".repeat(SqlSummary.MAX_TABLE_LENGTH)).table())
        .hasSize(SqlSummary.MAX_TABLE_LENGTH);
    assertThat(SqlSummary.scan("SELECT * FROM " + "t".repeat(SqlSummary.MAX_TABLE_LENGTH + 1)).table()).isNull();
    assertThat(SqlSummary.scan("SELECT * FROM \"" + "t".repeat(100_000)).table()).isNull();
  }

  @Test
  void hundredKilobyteInputGivesBoundedOutput() {
    String sql = "SELECT " + "a, ".repeat(40_000) + "b FROM big_table WHERE x = 'y'";
    SqlSummary summary = SqlSummary.of(sql);
    assertThat(summary.sanitized()).hasSizeLessThanOrEqualTo(SqlSummary.MAX_SANITIZED_LENGTH)
        .startsWith("SELECT a, a, ").doesNotEndWith(" ");
    // the table comes after the output bound, and is found nonetheless
    assertThat(summary.operation()).isEqualTo("SELECT");
    assertThat(summary.table()).isEqualTo("big_table");
  }

  @ParameterizedTest
  @ValueSource(strings = {"'", "/*", "$$", "\"", "`", "-- "})
  void hundredKilobytesUnterminatedIsOneToken(String opener) {
    String sql = "SELECT " + opener + "x 42 ".repeat(20_000);
    assertThat(SqlSummary.of(sql).sanitized()).hasSizeLessThanOrEqualTo(SqlSummary.MAX_SANITIZED_LENGTH);
  }

  @Test
  void cutNeverLeavesHalfASurrogatePair() {
    String sql = "SELECT " + "\ud83d\ude00".repeat(10_000); // odd room after "SELECT "
    String sanitized = SqlSummary.of(sql).sanitized();
    assertThat(sanitized).hasSize(SqlSummary.MAX_SANITIZED_LENGTH - 1);
    assertThat(Character.isLowSurrogate(sanitized.charAt(sanitized.length() - 1))).isTrue();
  }

  @Test
  void cacheReturnsTheSameInstanceForAnEqualText() {
    String sql = "SELECT * FROM cached WHERE id = 7";
    SqlSummary first = SqlSummary.of(sql);
    assertThat(SqlSummary.of(new String(sql.toCharArray()))).isSameAs(first);
    assertThat(first.sanitized()).isEqualTo("SELECT * FROM cached WHERE id = ?");
  }

  @Test
  void longTextsAreNotCached() {
    String sql = "SELECT * FROM t WHERE a IN (" + "1, ".repeat(SqlSummary.MAX_CACHED_SQL_LENGTH / 3) + "2)";
    SqlSummary first = SqlSummary.of(sql);
    SqlSummary second = SqlSummary.of(sql);
    assertThat(second).isNotSameAs(first);
    assertThat(second.sanitized()).isEqualTo(first.sanitized());
  }

  @Test
  void cacheStaysBounded() {
    for (int i = 0; i < 3 * SqlSummary.MAX_CACHE_SIZE; i++) {
      SqlSummary.of("SELECT * FROM t WHERE id = " + i);
      assertThat(SqlSummary.cachedCount()).isLessThanOrEqualTo(SqlSummary.MAX_CACHE_SIZE);
    }
    // a full cache is cleared, so a statement that turns hot later still gets in
    String hot = "SELECT * FROM hot";
    assertThat(SqlSummary.of(hot)).isSameAs(SqlSummary.of(hot));
  }

  @Test
  void randomSqlishTextNeverThrowsAndStaysBounded() {
    String[] pieces = {
      "SELECT", "FROM", "WITH", "INSERT", "INTO", "TABLE", "IF", "EXISTS", "t1", "x", "E", "N", "X", "b", " ", "\t",
      "\n", "\r", "'", "''", "\"", "`", "[", "]", "$", "$$", "$tag$", "$1", "?", ":", "::", "@", "-", "--", "/", "*",
      "/*", "*/", "(", ")", ".", ",", ";", "0", "1", "9", ".5", "0x", "e", "+", "_", "\\", "é", "\u00a0", "\ud83d",
      "\ude00", "\u0000",
    };
    Random random = new Random(42);
    for (int run = 0; run < 2000; run++) {
      int count = run % 100 == 0 ? 5000 : random.nextInt(60);
      StringBuilder sql = new StringBuilder();
      for (int i = 0; i < count; i++) {
        sql.append(pieces[random.nextInt(pieces.length)]);
      }
      String text = sql.toString();
      SqlSummary summary = SqlSummary.scan(text); // scan, not of(): of() would hide a scanner exception
      String sanitized = summary.sanitized();
      assertThat(sanitized).as(text).hasSizeLessThanOrEqualTo(SqlSummary.MAX_SANITIZED_LENGTH)
          .doesNotStartWith(" ").doesNotEndWith(" ");
      assertThat(summary.spanName("db")).as(text).isNotEmpty();
      // sanitizing is idempotent: the output holds no literal or comment left to mask
      assertThat(SqlSummary.scan(sanitized).sanitized()).as(text).isEqualTo(sanitized);
    }
  }
  /** Real statements of three dialects: type sizes and other DDL structure kept, every value still masked. */
  static Stream<Arguments> typeSizesAreStructureAndValuesStayMasked() {
    return Stream.of(
        // PostgreSQL
        arguments("CREATE TABLE orders (id BIGSERIAL PRIMARY KEY, customer VARCHAR(64) NOT NULL, "
            + "total NUMERIC(12, 2) DEFAULT 0, note CHARACTER VARYING(200), at TIMESTAMP(6) WITH TIME ZONE)",
            "CREATE TABLE orders (id BIGSERIAL PRIMARY KEY, customer VARCHAR(64) NOT NULL, "
            + "total NUMERIC(12, 2) DEFAULT ?, note CHARACTER VARYING(200), at TIMESTAMP(6) WITH TIME ZONE)"),
        arguments("ALTER TABLE orders ALTER COLUMN customer TYPE varchar(128), ADD CONSTRAINT c CHECK (total > 100)",
            "ALTER TABLE orders ALTER COLUMN customer TYPE varchar(128), ADD CONSTRAINT c CHECK (total > ?)"),
        arguments("SELECT CAST(total AS DECIMAL(10,2)), id::varchar(20) FROM orders WHERE total > 99.5",
            "SELECT CAST(total AS DECIMAL(10,2)), id::varchar(20) FROM orders WHERE total > ?"),
        arguments("CREATE TABLE big AS SELECT CHAR(65), x FROM t WHERE y = 7",
            "CREATE TABLE big AS SELECT CHAR(?), x FROM t WHERE y = ?"),
        // MySQL / MariaDB
        arguments("CREATE TABLE `users` (`id` INT(11) NOT NULL AUTO_INCREMENT, `name` VARCHAR(255) DEFAULT 'anon', "
            + "`score` DOUBLE(8,3), `flags` BIT(8), `born` YEAR(4), PRIMARY KEY (`id`)) AUTO_INCREMENT=1000",
            "CREATE TABLE `users` (`id` INT(11) NOT NULL AUTO_INCREMENT, `name` VARCHAR(255) DEFAULT ?, "
            + "`score` DOUBLE(8,3), `flags` BIT(8), `born` YEAR(4), PRIMARY KEY (`id`)) AUTO_INCREMENT=?"),
        arguments("SELECT CHAR(65), YEAR(born) FROM users WHERE id IN (1, 2) LIMIT 10",
            "SELECT CHAR(?), YEAR(born) FROM users WHERE id IN (?, ?) LIMIT ?"),
        arguments("INSERT INTO users (name, score) VALUES ('bob', 12.5)",
            "INSERT INTO users (name, score) VALUES (?, ?)"),
        // H2
        arguments("CREATE TABLE order_lines (order_id BIGINT NOT NULL, sku VARCHAR(64), price DECIMAL(12, 2), "
            + "data VARBINARY(16), PRIMARY KEY (order_id, line_no))",
            "CREATE TABLE order_lines (order_id BIGINT NOT NULL, sku VARCHAR(64), price DECIMAL(12, 2), "
            + "data VARBINARY(16), PRIMARY KEY (order_id, line_no))"),
        arguments("SELECT X FROM SYSTEM_RANGE(1, 3) WHERE X = 2", "SELECT X FROM SYSTEM_RANGE(?, ?) WHERE X = ?"));
  }

  @ParameterizedTest
  @MethodSource
  void typeSizesAreStructureAndValuesStayMasked(String sql, String sanitized) {
    assertThat(SqlSummary.scan(sql).sanitized()).isEqualTo(sanitized);
  }
}
