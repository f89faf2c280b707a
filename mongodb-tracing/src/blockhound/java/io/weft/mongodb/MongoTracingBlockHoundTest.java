package io.weft.mongodb;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.testing.BlockHoundExtension;
import io.weft.testing.StrictSpanSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Every traced command kind, subscribed on Reactor's non-blocking {@code parallel} threads, under BlockHound: the
 * context provider runs on those threads and the listener on whichever thread completes the command.
 */
@ExtendWith(BlockHoundExtension.class)
class MongoTracingBlockHoundTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  @RegisterExtension final StrictSpanSink spans = StrictSpanSink.create();
  final Tracer tracer = spans.tracer("inventory");

  @Test
  void tracingNeverBlocksAReactorThread() {
    MongoTracing tracing = MongoTracing.create(tracer);
    try (MongoServerFixture server = new MongoServerFixture();
        MongoClient client = server.client(tracing::configure)) {
      MongoCollection<Document> stock = client.getDatabase("shop").getCollection("stock");
      Mono<Long> work = Mono.from(stock.insertMany(List.of(new Document("_id", 1).append("qty", 5),
              new Document("_id", 2).append("qty", 7), new Document("_id", 3).append("qty", 9))))
          .then(Mono.from(stock.updateOne(Filters.eq("_id", 1), Updates.inc("qty", -1))))
          .thenMany(Flux.from(stock.find().batchSize(1)))
          .then(Mono.from(stock.insertOne(new Document("_id", 1))).onErrorResume(e -> Mono.empty()))
          .then(Mono.from(stock.deleteOne(Filters.eq("_id", 2))))
          .then(Mono.from(stock.countDocuments()))
          .transform(tracer.mono("parent"))
          .subscribeOn(Schedulers.parallel());
      assertThat(work.block(TIMEOUT)).isEqualTo(2L);
      List<SpanData> ended = new ArrayList<>();
      SpanData span;
      do {
        span = spans.take();
        ended.add(span);
      } while (!span.name().equals("parent"));
      SpanData parent = span;
      assertThat(ended).extracting(SpanData::name).startsWith("insert stock", "update stock", "find stock")
          .contains("getMore stock").endsWith("insert stock", "delete stock", "aggregate stock", "parent");
      assertThat(ended.subList(0, ended.size() - 1)).allSatisfy(s -> assertThat(s.parentSpanId())
          .isEqualTo(parent.spanId()));
      assertThat(tracing.failures()).isZero();
    }
  }
}
