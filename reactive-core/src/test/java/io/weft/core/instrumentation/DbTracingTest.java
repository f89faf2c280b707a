package io.weft.core.instrumentation;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.Span;
import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import io.weft.core.Tracer;
import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** The database span helper every SQL integration shares, and the targets it records. */
class DbTracingTest {
  final InMemorySpanExporter exported = InMemorySpanExporter.create();
  final Tracer tracer = Tracer.builder().serviceName("svc").exporter(exported).build();
  final DbTarget postgres = new DbTarget("postgresql", "shop", "db.example.com", 5432);

  @Test
  void aStatementSpanIsNamedAndDescribedBySanitizedText() {
    Span span = DbTracing.create(tracer).startQuery("SELECT * FROM orders WHERE id = 42", postgres, null);
    DbTracing.counts(span, 1, -1);
    span.end();

    SpanData ended = exported.spans().get(0);
    assertThat(ended.name()).isEqualTo("SELECT orders");
    assertThat(ended.kind()).isEqualTo(SpanKind.CLIENT);
    assertThat(ended.attributes().asMap()).containsEntry(SemanticAttributes.DB_SYSTEM, "postgresql")
        .containsEntry(SemanticAttributes.DB_NAMESPACE, "shop")
        .containsEntry(SemanticAttributes.SERVER_ADDRESS, "db.example.com")
        .containsEntry(SemanticAttributes.SERVER_PORT, 5432L)
        .containsEntry(SemanticAttributes.DB_QUERY_TEXT, "SELECT * FROM orders WHERE id = ?")
        .containsEntry(SemanticAttributes.DB_OPERATION_NAME, "SELECT")
        .containsEntry(SemanticAttributes.DB_COLLECTION_NAME, "orders")
        .containsEntry(SemanticAttributes.DB_RESPONSE_RETURNED_ROWS, 1L)
        .doesNotContainKey(SemanticAttributes.WEFT_DB_ROWS_AFFECTED);
  }

  @Test
  void theSettingsApply() {
    DbTracing raw = DbTracing.builder(tracer).sanitizeQueryText(false)
        .spanNamer((system, operation, table, text) -> "q:" + operation).build();
    raw.startQuery("DELETE FROM carts WHERE owner = 'bob'", postgres, null).end();
    DbTracing silent = DbTracing.builder(tracer).recordQueryText(false).build();
    silent.startQuery("DELETE FROM carts", postgres, null).end();

    assertThat(exported.spans().get(0).name()).isEqualTo("q:DELETE");
    assertThat(exported.spans().get(0).attributes().get(SemanticAttributes.DB_QUERY_TEXT))
        .isEqualTo("DELETE FROM carts WHERE owner = 'bob'");
    assertThat(exported.spans().get(1).attributes().get(SemanticAttributes.DB_QUERY_TEXT)).isNull();
  }

  @Test
  void aNamerThatFailsIsCountedAndTheSystemNamesTheSpan() {
    DbTracing db = DbTracing.builder(tracer).spanNamer((system, operation, table, text) -> {
      throw new IllegalStateException("namer bug");
    }).build();
    db.startQuery("SELECT 1", postgres, null).end();

    assertThat(exported.spans().get(0).name()).isEqualTo("postgresql");
    assertThat(db.failures()).isEqualTo(1);
  }

  @Test
  void failuresCarryTheDatabasesOwnCode() {
    Span withState = DbTracing.create(tracer).startQuery("SELEC 1", postgres, null);
    DbTracing.failure(withState, new SQLException("syntax", "42601"), "42601", 0);
    withState.end();
    Span withVendorCode = DbTracing.create(tracer).startQuery("SELECT 1", postgres, null);
    DbTracing.failure(withVendorCode, new SQLException("locked"), null, 1205);
    withVendorCode.end();

    assertThat(exported.spans().get(0).status()).isEqualTo(StatusCode.ERROR);
    assertThat(exported.spans().get(0).attributes().get(SemanticAttributes.DB_RESPONSE_STATUS_CODE))
        .isEqualTo("42601");
    assertThat(exported.spans().get(0).attributes().get(SemanticAttributes.ERROR_TYPE))
        .isEqualTo(SQLException.class.getName());
    assertThat(exported.spans().get(1).attributes().get(SemanticAttributes.DB_RESPONSE_STATUS_CODE))
        .isEqualTo("1205");
  }

  @Test
  void targetsFromAPeerAddress() {
    assertThat(DbTarget.at("postgresql", "shop", "db.example.com:5432"))
        .isEqualTo(new DbTarget("postgresql", "shop", "db.example.com", 5432));
    assertThat(DbTarget.at("postgresql", "", "[2001:db8::1]:6432"))
        .isEqualTo(new DbTarget("postgresql", null, "2001:db8::1", 6432));
    assertThat(DbTarget.at("mysql", null, "2001:db8::1"))
        .isEqualTo(new DbTarget("mysql", null, "2001:db8::1", -1));
    assertThat(DbTarget.at("mysql", null, "localhost:notaport"))
        .isEqualTo(new DbTarget("mysql", null, "localhost", -1));
    assertThat(DbTarget.at("h2", "mem", null)).isEqualTo(new DbTarget("h2", "mem", null, -1));
  }

  @Test
  void systemsFromProductNames() {
    assertThat(DbTarget.systemOf("PostgreSQL")).isEqualTo("postgresql");
    assertThat(DbTarget.systemOf("MariaDB")).isEqualTo("mysql");
    assertThat(DbTarget.systemOf("MySQL")).isEqualTo("mysql");
    assertThat(DbTarget.systemOf("H2")).isEqualTo("h2");
    assertThat(DbTarget.systemOf("Microsoft SQL Server")).isEqualTo("mssql");
    assertThat(DbTarget.systemOf("Oracle")).isEqualTo("oracle");
    assertThat(DbTarget.systemOf(null)).isEqualTo(DbTarget.OTHER_SQL);
    assertThat(DbTarget.systemOf("H2O")).isEqualTo(DbTarget.OTHER_SQL);
  }
}
