package io.weft.r2dbc;

import static io.weft.core.instrumentation.SemanticAttributes.DB_COLLECTION_NAME;
import static io.weft.core.instrumentation.SemanticAttributes.DB_NAMESPACE;
import static io.weft.core.instrumentation.SemanticAttributes.DB_OPERATION_BATCH_SIZE;
import static io.weft.core.instrumentation.SemanticAttributes.DB_OPERATION_NAME;
import static io.weft.core.instrumentation.SemanticAttributes.DB_QUERY_PARAMETER_PREFIX;
import static io.weft.core.instrumentation.SemanticAttributes.DB_QUERY_TEXT;
import static io.weft.core.instrumentation.SemanticAttributes.DB_RESPONSE_RETURNED_ROWS;
import static io.weft.core.instrumentation.SemanticAttributes.DB_RESPONSE_STATUS_CODE;
import static io.weft.core.instrumentation.SemanticAttributes.DB_SYSTEM;
import static io.weft.core.instrumentation.SemanticAttributes.ERROR_TYPE;
import static io.weft.core.instrumentation.SemanticAttributes.SERVER_ADDRESS;
import static io.weft.core.instrumentation.SemanticAttributes.SERVER_PORT;
import static io.weft.core.instrumentation.SemanticAttributes.WEFT_CANCELLED;
import static io.weft.core.instrumentation.SemanticAttributes.WEFT_DB_ROWS_AFFECTED;
import static io.weft.testing.SpanAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Wrapped;
import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.core.instrumentation.DbTracing;
import io.weft.testing.StrictSpanSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The statement, batch, transaction and cancellation scenarios every database must pass through the tracing
 * decorator, with exact attributes. A subclass starts one real database and says how it spells placeholders and
 * what its spans carry.
 */
abstract class AbstractR2dbcTracingTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  @RegisterExtension final StrictSpanSink spans = StrictSpanSink.create();
  final Tracer tracer = spans.tracer("orders-service");

  /** The database's own factory (a subclass may return a pool). */
  abstract ConnectionFactory undecorated();

  /** The options the factory was made from: database, host and port for the spans. */
  abstract ConnectionFactoryOptions options();

  /** The bind marker for the 1-based parameter {@code index}. */
  abstract String param(int index);

  abstract String expectedSystem();

  abstract @Nullable String expectedNamespace();

  abstract @Nullable String expectedAddress();

  abstract @Nullable Long expectedPort();

  /** A fragment of the driver's message for {@code SELEC 1} (a syntax error). */
  abstract String syntaxErrorFragment();

  /**
   * Whether the savepoint scenario must make its transaction calls ({@code beginTransaction()}, {@code
   * createSavepoint(..)}, the rollbacks) when their turn comes, inside {@code Flux.defer}, instead of when the scenario
   * is assembled. Default false: the driver decides what a call sends when its publisher is subscribed to (H2,
   * PostgreSQL, r2dbc-mysql). A driver that decides when the method is called needs true: r2dbc-mariadb 1.4.2's
   * {@code createSavepoint}, called while the connection is still in auto-commit, prepends a {@code BEGIN} of its own,
   * which, sent after the scenario's {@code BEGIN} and first {@code DELETE}, commits them.
   */
  boolean deferTransactionCalls() {
    return false;
  }

  /** {@code call} made now, or on subscription when {@link #deferTransactionCalls()}. */
  Publisher<Void> transactionCall(Supplier<? extends Publisher<Void>> call) {
    return deferTransactionCalls() ? Flux.defer(call) : call.get();
  }

  ConnectionFactory traced() {
    return R2dbcTracing.create(tracer).wrap(undecorated(), options());
  }

  @BeforeEach
  void createTable() {
    Mono.usingWhen(undecorated().create(), c -> Flux.concat(
            Flux.from(c.createStatement("DROP TABLE IF EXISTS orders").execute()).flatMap(Result::getRowsUpdated),
            Flux.from(c.createStatement("CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(64), "
                + "total DECIMAL(10,2))").execute()).flatMap(Result::getRowsUpdated),
            Flux.range(1, 100).concatMap(i -> Flux.from(c.createStatement(
                    "INSERT INTO orders (id, customer, total) VALUES (" + i + ", 'c" + (i % 10) + "', " + i + ".50)")
                .execute()).flatMap(Result::getRowsUpdated)))
            .then(), Connection::close)
        .block(TIMEOUT);
  }

  /** Runs {@code work} on a traced connection inside a traced parent; returns the spans in the order they ended. */
  <T> List<SpanData> traceInParent(Function<Connection, Publisher<T>> work) {
    Mono.usingWhen(traced().create(), c -> Flux.from(work.apply(c)).collectList(), Connection::close)
        .transform(tracer.mono("parent"))
        .block(TIMEOUT);
    List<SpanData> ended = new ArrayList<>();
    SpanData span;
    do {
      span = spans.take();
      ended.add(span);
    } while (!span.name().equals("parent"));
    return ended;
  }

  static SpanData named(List<SpanData> ended, String name) {
    return ended.stream().filter(s -> s.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no span " + name + " in " + names(ended)));
  }

  static List<String> names(List<SpanData> ended) {
    return ended.stream().map(SpanData::name).toList();
  }

  static SpanData parent(List<SpanData> ended) {
    return named(ended, "parent");
  }

  void assertDatabase(SpanData span) {
    assertThat(span).hasKind(SpanKind.CLIENT).hasAttribute(DB_SYSTEM, expectedSystem());
    if (expectedNamespace() != null) {
      assertThat(span).hasAttribute(DB_NAMESPACE, expectedNamespace());
    } else {
      assertThat(span).doesNotHaveAttribute(DB_NAMESPACE);
    }
    if (expectedAddress() != null) {
      assertThat(span).hasAttribute(SERVER_ADDRESS, expectedAddress()).hasAttribute(SERVER_PORT, expectedPort());
    } else {
      assertThat(span).doesNotHaveAttribute(SERVER_ADDRESS).doesNotHaveAttribute(SERVER_PORT);
    }
  }

  @Test
  void selectWithBindIsAChildSpanWithSanitizedTextAndRowCount() {
    String sql = "SELECT id, total FROM orders WHERE customer = " + param(1) + " AND total > 10 ORDER BY id";
    List<SpanData> ended = traceInParent(c -> Flux.from(c.createStatement(sql).bind(0, "c3").execute())
        .flatMap(r -> r.map((row, meta) -> row.get("id", Integer.class))));
    SpanData select = named(ended, "SELECT orders");
    assertDatabase(select);
    assertThat(select).hasParent(parent(ended)).hasStatus(StatusCode.UNSET)
        .hasAttribute(DB_QUERY_TEXT,
            "SELECT id, total FROM orders WHERE customer = " + param(1) + " AND total > ? ORDER BY id")
        .hasAttribute(DB_OPERATION_NAME, "SELECT")
        .hasAttribute(DB_COLLECTION_NAME, "orders")
        .hasAttribute(DB_RESPONSE_RETURNED_ROWS, 9L)
        .doesNotHaveAttribute(DB_QUERY_PARAMETER_PREFIX + "0")
        .doesNotHaveAttribute(WEFT_CANCELLED);
    assertThat(ended).hasSize(2);
  }

  @Test
  void insertAndUpdateRecordRowsAffected() {
    List<SpanData> ended = traceInParent(c -> Flux.concat(
        Flux.from(c.createStatement("INSERT INTO orders (id, customer, total) VALUES (" + param(1) + ", "
            + param(2) + ", 12.5)").bind(0, 1000).bind(1, "new").execute()).flatMap(Result::getRowsUpdated),
        Flux.from(c.createStatement("UPDATE orders SET total = total + 1 WHERE customer = " + param(1))
            .bind(0, "c1").execute()).flatMap(Result::getRowsUpdated)));
    assertThat(names(ended)).containsExactly("INSERT orders", "UPDATE orders", "parent");
    SpanData insert = named(ended, "INSERT orders");
    assertDatabase(insert);
    assertThat(insert).hasParent(parent(ended))
        .hasAttribute(DB_QUERY_TEXT,
            "INSERT INTO orders (id, customer, total) VALUES (" + param(1) + ", " + param(2) + ", ?)")
        .hasAttribute(DB_OPERATION_NAME, "INSERT")
        .hasAttribute(WEFT_DB_ROWS_AFFECTED, 1L);
    assertThat(named(ended, "UPDATE orders")).hasParent(parent(ended))
        .hasAttribute(DB_OPERATION_NAME, "UPDATE")
        .hasAttribute(WEFT_DB_ROWS_AFFECTED, 10L);
  }

  @Test
  void monoFromExecuteThenRowsUpdatedEndsOnceTheCountIsRead() {
    List<SpanData> ended = traceInParent(c -> Mono.from(c.createStatement("DELETE FROM orders WHERE id < 6")
        .execute()).flatMap(r -> Mono.from(r.getRowsUpdated())));
    assertThat(names(ended)).containsExactly("DELETE orders", "parent");
    assertThat(named(ended, "DELETE orders")).hasAttribute(WEFT_DB_ROWS_AFFECTED, 5L)
        .doesNotHaveAttribute(WEFT_CANCELLED).hasStatus(StatusCode.UNSET);
  }

  @Test
  void batchIsOneSpanWithItsSize() {
    List<SpanData> ended = traceInParent(c -> Flux.from(c.createBatch()
            .add("INSERT INTO orders (id, customer, total) VALUES (501, 'b', 1)")
            .add("INSERT INTO orders (id, customer, total) VALUES (502, 'b', 2)")
            .execute())
        .flatMap(Result::getRowsUpdated));
    SpanData batch = named(ended, "BATCH INSERT orders");
    assertDatabase(batch);
    assertThat(batch).hasParent(parent(ended))
        .hasAttribute(DB_OPERATION_NAME, "BATCH INSERT")
        .hasAttribute(DB_OPERATION_BATCH_SIZE, 2L)
        .hasAttribute(DB_QUERY_TEXT, "INSERT INTO orders (id, customer, total) VALUES (?, ?, ?); "
            + "INSERT INTO orders (id, customer, total) VALUES (?, ?, ?)")
        .hasAttribute(WEFT_DB_ROWS_AFFECTED, 2L);
  }

  @Test
  void failingStatementIsAnErrorSpanWithTheDriversMessage() {
    assertThatThrownBy(() -> traceInParent(c -> Flux.from(c.createStatement("SELEC 1").execute())
        .flatMap(Result::getRowsUpdated)))
        .hasMessageContaining(syntaxErrorFragment());
    SpanData error = spans.take();
    assertThat(error).hasName(expectedSystem()).hasStatus(StatusCode.ERROR).hasException(Throwable.class)
        .hasAttribute(DB_QUERY_TEXT, "SELEC ?");
    assertDatabase(error);
    assertThat(error.statusDescription()).contains(syntaxErrorFragment());
    assertThat(error.attributes().get(ERROR_TYPE)).asString().contains("Exception");
    assertThat(error.attributes().get(DB_RESPONSE_STATUS_CODE)).as("the database's own code (SQLSTATE)").asString()
        .startsWith("42");
    SpanData parent = spans.take("parent");
    assertThat(error).hasParent(parent);
    assertThat(parent).hasStatus(StatusCode.ERROR);
  }

  @Test
  void committedTransactionHasBeginStatementAndCommitSpans() {
    List<SpanData> ended = traceInParent(c -> Flux.concat(
        c.beginTransaction(),
        Flux.from(c.createStatement("UPDATE orders SET total = 0 WHERE id = 1").execute())
            .flatMap(Result::getRowsUpdated),
        c.commitTransaction()));
    assertThat(names(ended)).containsExactly("BEGIN", "UPDATE orders", "COMMIT", "parent");
    for (String name : List.of("BEGIN", "UPDATE orders", "COMMIT")) {
      assertDatabase(named(ended, name));
      assertThat(named(ended, name)).hasParent(parent(ended));
    }
    assertThat(named(ended, "COMMIT")).hasAttribute(DB_OPERATION_NAME, "COMMIT")
        .hasAttribute(DB_QUERY_TEXT, "COMMIT");
    assertThat(count("SELECT COUNT(*) FROM orders WHERE total = 0")).isEqualTo(1L);
  }

  @Test
  void rolledBackTransactionAndSavepointsAreSpans() {
    List<SpanData> ended = traceInParent(c -> Flux.concat(
        transactionCall(c::beginTransaction),
        Flux.from(c.createStatement("DELETE FROM orders WHERE id <= 50").execute()).flatMap(Result::getRowsUpdated),
        transactionCall(() -> c.createSavepoint("halfway")),
        Flux.from(c.createStatement("DELETE FROM orders").execute()).flatMap(Result::getRowsUpdated),
        transactionCall(() -> c.rollbackTransactionToSavepoint("halfway")),
        transactionCall(c::rollbackTransaction)));
    assertThat(names(ended)).containsExactly("BEGIN", "DELETE orders", "SAVEPOINT", "DELETE orders",
        "ROLLBACK TO SAVEPOINT", "ROLLBACK", "parent");
    assertThat(named(ended, "SAVEPOINT")).hasAttribute(DB_QUERY_TEXT, "SAVEPOINT halfway");
    assertThat(named(ended, "ROLLBACK")).hasParent(parent(ended)).hasStatus(StatusCode.UNSET);
    assertThat(count("SELECT COUNT(*) FROM orders")).isEqualTo(100L);
  }

  @Test
  void queryCutShortByTakeEndsCancelledWithTheRowsRead() {
    // take(2) stops requesting after two rows without cancelling: the rest is left unread until the connection
    // closes, which ends the span as cancelled.
    List<SpanData> ended = traceInParent(c -> Flux.from(c.createStatement("SELECT id FROM orders ORDER BY id")
            .execute())
        .flatMap(r -> r.map((row, meta) -> row.get("id", Integer.class)))
        .take(2));
    SpanData select = named(ended, "SELECT orders");
    assertThat(select).wasCancelled().hasParent(parent(ended)).hasStatus(StatusCode.UNSET)
        .hasAttribute(DB_RESPONSE_RETURNED_ROWS, 2L);
  }

  @Test
  void queryCancelledHalfwayThroughItsRowsEndsCancelledWithTheRowsRead() {
    List<SpanData> ended = traceInParent(c -> Flux.from(c.createStatement("SELECT id FROM orders ORDER BY id")
            .execute())
        .flatMap(r -> r.map((row, meta) -> row.get("id", Integer.class)))
        .take(2, false));
    SpanData select = named(ended, "SELECT orders");
    assertThat(select).wasCancelled().hasParent(parent(ended)).hasStatus(StatusCode.UNSET)
        .hasAttribute(DB_RESPONSE_RETURNED_ROWS, 2L);
  }

  @Test
  void parentSurvivesSchedulerHops() {
    List<SpanData> ended = traceInParent(c -> Mono.just(1).publishOn(Schedulers.boundedElastic())
        .flatMapMany(i -> Flux.from(c.createStatement("SELECT COUNT(*) FROM orders").execute())
            .publishOn(Schedulers.parallel())
            .flatMap(r -> r.map((row, meta) -> row.get(0)))));
    assertThat(named(ended, "SELECT orders")).hasParent(parent(ended))
        .hasAttribute(DB_RESPONSE_RETURNED_ROWS, 1L);
  }

  @Test
  void bindValuesAreRecordedOnlyWhenAskedFor() {
    ConnectionFactory traced = R2dbcTracing.builder(tracer).recordBindValues(true).build()
        .wrap(undecorated(), options());
    Mono.usingWhen(traced.create(), c -> Flux.from(c.createStatement("SELECT id FROM orders WHERE id = "
                + param(1)).bind(0, 42).execute())
            .flatMap(r -> r.map((row, meta) -> row.get(0))).then(), Connection::close)
        .block(TIMEOUT);
    assertThat(spans.take("SELECT orders")).hasAttribute(DB_QUERY_PARAMETER_PREFIX + "0", "42").hasNoParent();
  }

  @Test
  void theSharedDatabaseSettingsApply() {
    // The same DbTracing object the Vert.x SQL clients take: statements recorded as written, named by the application.
    DbTracing db = DbTracing.builder(tracer).sanitizeQueryText(false)
        .spanNamer((system, operation, table, text) -> system + ": " + operation + " on " + table).build();
    String sql = "SELECT id FROM orders WHERE customer = 'c1'";
    Mono.usingWhen(R2dbcTracing.create(db).wrap(undecorated(), options()).create(), c -> Flux.from(
            c.createStatement(sql).execute()).flatMap(r -> r.map((row, meta) -> row.get(0))).then(), Connection::close)
        .block(TIMEOUT);
    assertThat(spans.take(expectedSystem() + ": SELECT on orders")).hasAttribute(DB_QUERY_TEXT, sql);

    DbTracing silent = DbTracing.builder(tracer).recordQueryText(false).build();
    Mono.usingWhen(R2dbcTracing.create(silent).wrap(undecorated(), options()).create(), c -> Flux.from(
            c.createStatement(sql).execute()).flatMap(r -> r.map((row, meta) -> row.get(0))).then(), Connection::close)
        .block(TIMEOUT);
    assertThat(spans.take("SELECT orders")).doesNotHaveAttribute(DB_QUERY_TEXT).hasAttribute(DB_OPERATION_NAME, "SELECT");
    assertThat(db.failures() + silent.failures()).isZero();
  }

  @Test
  void resultNeverConsumedEndsWhenTheConnectionCloses() {
    List<SpanData> ended =
        traceInParent(c -> Flux.from(c.createStatement("SELECT id FROM orders").execute()).then());
    assertThat(names(ended)).containsExactly("SELECT orders", "parent");
    assertThat(named(ended, "SELECT orders")).wasCancelled().hasParent(parent(ended))
        .doesNotHaveAttribute(DB_RESPONSE_RETURNED_ROWS);
  }

  @Test
  void wrappersUnwrapToTheDriversObjects() {
    ConnectionFactory traced = traced();
    assertThat(traced).isInstanceOf(Wrapped.class);
    assertThat(((Wrapped<?>) traced).unwrap()).isSameAs(undecorated());
    assertThat(traced.getMetadata().getName()).isEqualTo(undecorated().getMetadata().getName());
    Mono.usingWhen(traced.create(), c -> {
      assertThat(((Wrapped<?>) c).unwrap()).isInstanceOf(Connection.class).isNotInstanceOf(TracingConnection.class);
      assertThat(c.getMetadata().getDatabaseProductName()).isNotBlank();
      return Mono.empty();
    }, Connection::close).block(TIMEOUT);
  }

  long count(String sql) {
    Long count = Mono.usingWhen(undecorated().create(), c -> Mono.from(c.createStatement(sql).execute())
        .flatMap(r -> Mono.from(r.map((row, meta) -> ((Number) row.get(0)).longValue()))), Connection::close)
        .block(TIMEOUT);
    return count == null ? -1 : count;
  }
}
