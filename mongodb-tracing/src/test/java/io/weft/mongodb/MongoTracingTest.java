package io.weft.mongodb;

import static io.weft.core.instrumentation.SemanticAttributes.DB_COLLECTION_NAME;
import static io.weft.core.instrumentation.SemanticAttributes.DB_NAMESPACE;
import static io.weft.core.instrumentation.SemanticAttributes.DB_OPERATION_NAME;
import static io.weft.core.instrumentation.SemanticAttributes.DB_QUERY_TEXT;
import static io.weft.core.instrumentation.SemanticAttributes.DB_RESPONSE_RETURNED_ROWS;
import static io.weft.core.instrumentation.SemanticAttributes.DB_RESPONSE_STATUS_CODE;
import static io.weft.core.instrumentation.SemanticAttributes.DB_SYSTEM;
import static io.weft.core.instrumentation.SemanticAttributes.ERROR_TYPE;
import static io.weft.core.instrumentation.SemanticAttributes.SERVER_ADDRESS;
import static io.weft.core.instrumentation.SemanticAttributes.SERVER_PORT;
import static io.weft.core.instrumentation.SemanticAttributes.WEFT_DB_ROWS_AFFECTED;
import static io.weft.testing.SpanAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.weft.core.Span;
import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.core.sampler.Sampler;
import io.weft.testing.StrictSpanSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Every command of the reactive driver against a real MongoDB wire-protocol server on loopback: exact spans, the
 * parent from the subscriber's Reactor context, cursors, failures, cancellation, concurrency and sampling.
 */
class MongoTracingTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static MongoServerFixture server;

  @RegisterExtension final StrictSpanSink spans = StrictSpanSink.create();
  final Tracer tracer = spans.tracer("inventory");
  final MongoTracing tracing = MongoTracing.create(tracer);
  /** Every command the driver reported, seen by a plain listener next to Weft's. */
  final ConcurrentLinkedQueue<String> started = new ConcurrentLinkedQueue<>();
  /** Counted down when the driver sends a killCursors. */
  final CountDownLatch killCursors = new CountDownLatch(1);
  MongoClient client;
  MongoCollection<Document> orders;

  @BeforeAll
  static void startServer() {
    server = new MongoServerFixture();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @BeforeEach
  void seed() {
    client = server.client(builder -> tracing.configure(builder).addCommandListener(new CommandListener() {
      @Override
      public void commandStarted(CommandStartedEvent event) {
        started.add(event.getCommandName());
        if (event.getCommandName().equals("killCursors")) {
          killCursors.countDown();
        }
      }
    }));
    orders = client.getDatabase("shop").getCollection("orders");
    Mono.from(orders.drop()).block(TIMEOUT);
    Mono.from(orders.insertMany(IntStream.rangeClosed(1, 10)
        .mapToObj(i -> new Document("_id", i).append("customer", "c" + i % 3).append("total", i + 0.5))
        .collect(Collectors.toList()))).block(TIMEOUT);
    spans.take(2); // drop and insert, roots: asserted in their own tests
    started.clear();
  }

  @AfterEach
  void close() {
    client.close();
    assertThat(tracing.failures()).isZero();
    assertThat(((TracingCommandListener) tracing.commandListener()).inFlight()).isZero();
  }

  /** Runs {@code work} inside a traced parent; returns its spans in the order they ended, the parent last. */
  List<SpanData> inParent(Publisher<?> work) {
    Flux.from(work).collectList().transform(tracer.mono("parent")).block(TIMEOUT);
    List<SpanData> ended = new ArrayList<>();
    SpanData span;
    do {
      span = spans.take();
      ended.add(span);
    } while (!span.name().equals("parent"));
    return ended;
  }

  void assertCommand(SpanData span, SpanData parent, String name, String operation, String collection) {
    assertThat(span).hasName(name).hasKind(SpanKind.CLIENT).hasParent(parent)
        .hasAttribute(DB_SYSTEM, "mongodb")
        .hasAttribute(DB_NAMESPACE, "shop")
        .hasAttribute(DB_OPERATION_NAME, operation)
        .hasAttribute(DB_COLLECTION_NAME, collection)
        .hasAttribute(SERVER_ADDRESS, "127.0.0.1")
        .hasAttribute(SERVER_PORT, (long) server.port());
  }

  @Test
  void insertIsOneSpanWithTheDocumentsShapeAndTheCountWritten() {
    List<SpanData> ended = inParent(orders.insertOne(new Document("_id", 11).append("customer", "secret")
        .append("lines", List.of(new Document("sku", "A-1").append("qty", 2)))));
    assertThat(ended).hasSize(2);
    assertCommand(ended.get(0), ended.get(1), "insert orders", "insert", "orders");
    assertThat(ended.get(0)).hasStatus(StatusCode.UNSET)
        .hasAttribute(DB_QUERY_TEXT, "{\"insert\": \"orders\", \"ordered\": \"?\", "
            + "\"documents\": [{\"_id\": \"?\", \"customer\": \"?\", \"lines\": [{\"sku\": \"?\", \"qty\": \"?\"}]}]}")
        .hasAttribute(WEFT_DB_ROWS_AFFECTED, 1L);
  }

  @Test
  void findCarriesTheFilterShapeAndTheRowsReturned() {
    List<SpanData> ended = inParent(orders.find(Filters.and(Filters.eq("customer", "c1"), Filters.gt("total", 3))));
    assertThat(ended).hasSize(2);
    assertCommand(ended.get(0), ended.get(1), "find orders", "find", "orders");
    assertThat(ended.get(0))
        .hasAttribute(DB_QUERY_TEXT, "{\"find\": \"orders\", \"filter\": {\"$and\": [{\"customer\": \"?\"}, "
            + "{\"total\": {\"$gt\": \"?\"}}]}, \"batchSize\": \"?\"}")
        .hasAttribute(DB_RESPONSE_RETURNED_ROWS, 3L);
    assertThat((String) ended.get(0).attributes().get(DB_QUERY_TEXT)).doesNotContain("c1");
  }

  @Test
  void updateAndDeleteRecordTheDocumentsWritten() {
    List<SpanData> updated = inParent(orders.updateMany(Filters.eq("customer", "c0"), Updates.inc("total", 1)));
    assertCommand(updated.get(0), updated.get(1), "update orders", "update", "orders");
    assertThat(updated.get(0)).hasAttribute(WEFT_DB_ROWS_AFFECTED, 3L)
        .hasAttribute(DB_QUERY_TEXT, "{\"update\": \"orders\", \"ordered\": \"?\", \"updates\": [{\"q\": "
            + "{\"customer\": \"?\"}, \"u\": {\"$inc\": {\"total\": \"?\"}}, \"multi\": \"?\"}]}");

    List<SpanData> deleted = inParent(orders.deleteOne(Filters.eq("_id", 1)));
    assertCommand(deleted.get(0), deleted.get(1), "delete orders", "delete", "orders");
    assertThat(deleted.get(0)).hasAttribute(WEFT_DB_ROWS_AFFECTED, 1L);
  }

  @Test
  void aggregateAndCountDocumentsAreAggregations() {
    List<SpanData> aggregated = inParent(orders.aggregate(List.of(Aggregates.match(Filters.gte("total", 5)),
        Aggregates.group("$customer"))));
    assertCommand(aggregated.get(0), aggregated.get(1), "aggregate orders", "aggregate", "orders");
    assertThat(aggregated.get(0)).hasAttribute(DB_RESPONSE_RETURNED_ROWS, 3L)
        .hasAttribute(DB_QUERY_TEXT, "{\"aggregate\": \"orders\", \"pipeline\": [{\"$match\": {\"total\": "
            + "{\"$gte\": \"?\"}}}, {\"$group\": {\"_id\": \"?\"}}], \"cursor\": {\"batchSize\": \"?\"}}");

    List<SpanData> counted = inParent(orders.countDocuments(Filters.eq("customer", "c2")));
    assertCommand(counted.get(0), counted.get(1), "aggregate orders", "aggregate", "orders");
    assertThat(counted.get(0)).hasAttribute(DB_RESPONSE_RETURNED_ROWS, 1L);
  }

  @Test
  void aCursorOfSeveralBatchesIsTheFindAndOneSpanPerGetMore() {
    List<SpanData> ended = inParent(orders.find().batchSize(3));
    assertThat(ended).extracting(SpanData::name)
        .containsExactly("find orders", "getMore orders", "getMore orders", "getMore orders", "parent");
    SpanData parent = ended.get(4);
    assertThat(ended.get(0)).hasAttribute(DB_RESPONSE_RETURNED_ROWS, 3L);
    for (int i = 1; i <= 3; i++) {
      assertCommand(ended.get(i), parent, "getMore orders", "getMore", "orders");
      assertThat(ended.get(i)).hasAttribute(DB_QUERY_TEXT,
          "{\"getMore\": \"?\", \"collection\": \"orders\", \"batchSize\": \"?\"}");
    }
    assertThat(ended.subList(1, 4)).extracting(s -> s.attributes().get(DB_RESPONSE_RETURNED_ROWS))
        .containsExactly(3L, 3L, 1L);
  }

  @Test
  void aDuplicateKeyIsAFailedInsertWithTheServersCode() {
    assertThatThrownBy(() -> inParent(orders.insertOne(new Document("_id", 1))))
        .isInstanceOf(MongoWriteException.class);
    SpanData insert = spans.take();
    SpanData parent = spans.take();
    assertCommand(insert, parent, "insert orders", "insert", "orders");
    assertThat(insert).hasStatus(StatusCode.ERROR)
        .hasAttribute(ERROR_TYPE, CommandReply.WRITE_ERROR)
        .hasAttribute(DB_RESPONSE_STATUS_CODE, "11000");
    assertThat(insert.statusDescription()).contains("duplicate key");
    assertThat(parent).hasStatus(StatusCode.ERROR);
  }

  @Test
  void aCommandTheServerRejectsFailsWithItsCode() {
    assertThatThrownBy(() -> inParent(client.getDatabase("shop").runCommand(new Document("noSuchCommand", 1))))
        .isInstanceOf(MongoCommandException.class);
    SpanData command = spans.take();
    SpanData parent = spans.take();
    assertThat(command).hasName("noSuchCommand").hasParent(parent).hasStatus(StatusCode.ERROR)
        .hasException(MongoCommandException.class)
        .hasAttribute(ERROR_TYPE, MongoCommandException.class.getName())
        .hasAttribute(DB_OPERATION_NAME, "noSuchCommand")
        .hasAttribute(DB_RESPONSE_STATUS_CODE, "59")
        .doesNotHaveAttribute(DB_COLLECTION_NAME);
  }

  @Test
  void aCursorCancelledEarlyEndsEveryCommandOnceAndClosesWithKillCursors() throws InterruptedException {
    List<Document> first = Flux.from(orders.find().batchSize(2)).take(3).collectList()
        .transform(tracer.mono("parent")).block(TIMEOUT);
    assertThat(first).hasSize(3);
    // the driver lets the command in flight finish and then closes the cursor; wait for every span to end
    assertThat(killCursors.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("killCursors sent").isTrue();
    List<SpanData> ended = new ArrayList<>();
    while (ended.size() < started.size() + 1) {
      ended.add(spans.take());
    }
    SpanData parent = ended.stream().filter(s -> s.name().equals("parent")).findFirst().orElseThrow();
    List<SpanData> commands = ended.stream().filter(s -> s != parent).toList();
    assertThat(commands).extracting(s -> s.attributes().get(DB_OPERATION_NAME))
        .containsExactlyInAnyOrderElementsOf(new ArrayList<>(started))
        .contains("find", "getMore", "killCursors");
    assertThat(commands).allSatisfy(s -> assertThat(s).hasParent(parent));
    SpanData kill = commands.stream().filter(s -> s.name().equals("killCursors orders")).findFirst().orElseThrow();
    assertThat(kill).hasAttribute(DB_QUERY_TEXT, "{\"killCursors\": \"orders\", \"cursors\": [\"?\"]}");
  }

  @Test
  void aThousandConcurrentFindsFromSeveralSchedulersEachFindTheirOwnRequest() {
    Scheduler[] schedulers = {Schedulers.parallel(), Schedulers.boundedElastic(), Schedulers.single()};
    int count = 1000;
    Flux.range(0, count)
        .flatMap(i -> Mono.defer(() -> Mono.from(orders.find(Filters.eq("_id", i % 10 + 1)).first()))
            .subscribeOn(schedulers[i % 3])
            .publishOn(schedulers[(i + 1) % 3])
            .transform(tracer.mono("request " + i)), 64)
        .then().block(TIMEOUT);
    List<SpanData> ended = spans.take(2 * count);
    Map<String, SpanData> requests = new HashMap<>();
    Map<String, Integer> children = new HashMap<>();
    for (SpanData span : ended) {
      if (span.name().startsWith("request ")) {
        assertThat(span).hasNoParent();
        requests.put(span.spanId(), span);
      }
    }
    assertThat(requests).hasSize(count);
    for (SpanData span : ended) {
      if (span.name().equals("find orders")) {
        SpanData request = requests.get(span.parentSpanId());
        assertThat(request).as("parent of %s", span).isNotNull();
        assertThat(span).isInSameTraceAs(request);
        children.merge(span.parentSpanId(), 1, Integer::sum);
      }
    }
    assertThat(children).hasSize(count).allSatisfy((id, n) -> assertThat(n).isOne());
  }

  @Test
  void anUnsampledParentMakesNoSpanAndStaysCurrentDownstream() {
    Tracer unsampled = Tracer.builder().serviceName("inventory").sampler(Sampler.alwaysOff()).exporter(spans).build();
    MongoTracing off = MongoTracing.create(unsampled);
    try (MongoClient quiet = server.client(off::configure)) {
      Span seen = Mono.from(quiet.getDatabase("shop").getCollection("orders").find().first())
          .flatMap(document -> Mono.deferContextual(context -> Mono.just(Span.fromContext(context))))
          .transform(unsampled.mono("parent"))
          .block(TIMEOUT);
      assertThat(seen.context().isValid()).isTrue();
      assertThat(seen.context().isSampled()).isFalse();
      assertThat(off.failures()).isZero();
    }
    spans.verifyNoMoreSpans();
  }

  @Test
  void aCommandWithNoCurrentSpanIsARootAsTheSamplerDecides() {
    Mono.from(orders.countDocuments()).block(TIMEOUT);
    assertThat(spans.take()).hasName("aggregate orders").hasNoParent();
  }

  @Test
  void theDriversOwnCommandsAreNeverSpans() {
    // the handshake ran when the client connected, the session is returned with endSessions when it closes
    inParent(orders.find().first());
    client.close();
    assertThat(started).doesNotContain("hello", "isMaster", "ismaster", "saslStart");
    spans.verifyNoMoreSpans();
  }

  @Test
  void aClientConfiguredTwiceTracesEachCommandOnce() {
    try (MongoClient twice = server.client(builder -> tracing.configure(tracing.configure(builder)))) {
      List<SpanData> ended = inParent(twice.getDatabase("shop").getCollection("orders").find().first());
      assertThat(ended).extracting(SpanData::name).containsExactly("find orders", "parent");
    }
  }

  @Test
  void settingsAreTracedOnceWhateverAsksAgain() {
    var plain = com.mongodb.MongoClientSettings.builder().build();
    var traced = tracing.trace(plain);
    assertThat(MongoTracing.isTraced(plain)).isFalse();
    assertThat(MongoTracing.isTraced(traced)).isTrue();
    assertThat(MongoTracing.create(tracer).trace(traced)).isSameAs(traced);
    assertThat(traced.getContextProvider()).isSameAs(tracing.contextProvider());
  }

  @Test
  void sessionsAndTransactionsAreRefusedByThisServerBeforeAnyCommandIsSent() {
    // mongo-java-server is a standalone server without sessions: the driver refuses a session's first use itself,
    // so transactions cannot run here (CommandShapeTest covers their command shapes)
    assertThatThrownBy(() -> Mono.from(client.startSession())
        .doOnNext(session -> session.startTransaction())
        .flatMap(session -> Mono.from(orders.insertOne(session, new Document("_id", 99))))
        .transform(tracer.mono("parent")).block(TIMEOUT))
        .isInstanceOf(com.mongodb.MongoClientException.class)
        .hasMessageContaining("doesn't support sessions");
    assertThat(spans.take()).hasName("parent").hasStatus(StatusCode.ERROR);
    assertThat(started).isEmpty();
  }
}
