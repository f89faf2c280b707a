package io.weft.mongodb;

import static io.weft.testing.SpanAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.ServerAddress;
import com.mongodb.connection.ClusterId;
import com.mongodb.connection.ConnectionDescription;
import com.mongodb.connection.ServerId;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import com.mongodb.event.CommandSucceededEvent;
import io.weft.core.Scope;
import io.weft.core.Span;
import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.testing.StrictSpanSink;
import java.util.List;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The listener's edges, driven with the events the driver builds: its bound, and commands without Weft's context. */
class TracingCommandListenerTest {
  static final ConnectionDescription CONNECTION =
      new ConnectionDescription(new ServerId(new ClusterId(), new ServerAddress("db.example", 27017)));
  static final RawBsonDocument FIND = RawBsonDocument.parse("{\"find\": \"orders\", \"filter\": {\"_id\": 1}}");
  static final RawBsonDocument REPLY = RawBsonDocument.parse("{\"cursor\": {\"firstBatch\": [], \"id\": 0}, \"ok\": 1}");

  @RegisterExtension final StrictSpanSink spans = StrictSpanSink.create();
  final Tracer tracer = spans.tracer("inventory");
  final MongoTracing tracing = MongoTracing.create(tracer);
  final CommandListener listener = tracing.commandListener();

  static CommandStartedEvent started(int requestId) {
    return new CommandStartedEvent(null, 1L, requestId, CONNECTION, "shop", "find", FIND);
  }

  static CommandSucceededEvent succeeded(int requestId) {
    return new CommandSucceededEvent(null, 1L, requestId, CONNECTION, "shop", "find", REPLY, 1_000L);
  }

  @Test
  void atMostTheBoundOfSpansWaitForRepliesAndTheRestRunUntracedAndCounted() {
    int bound = TracingCommandListener.MAX_IN_FLIGHT;
    for (int id = 0; id <= bound; id++) {
      listener.commandStarted(started(id));
    }
    assertThat(((TracingCommandListener) listener).inFlight()).isEqualTo(bound);
    assertThat(tracing.failures()).as("the command past the bound is counted").isEqualTo(1);
    for (int id = 0; id <= bound; id++) {
      listener.commandSucceeded(succeeded(id)); // the last one has no span: ignored
    }
    assertThat(((TracingCommandListener) listener).inFlight()).isZero();
    List<SpanData> ended = spans.take(bound);
    assertThat(ended).allSatisfy(span -> assertThat(span).hasName("find orders").hasNoParent());
  }

  @Test
  void aCommandWithoutWeftsContextTakesTheCurrentSpanOfItsThread() {
    // the synchronous driver, or another library's context provider: the command runs on the caller's thread
    Span request = tracer.spanBuilder("request").start();
    try (Scope scope = request.makeCurrent()) {
      listener.commandStarted(started(7));
      listener.commandSucceeded(succeeded(7));
    }
    request.end();
    SpanData find = spans.take();
    SpanData parent = spans.take();
    assertThat(find).hasName("find orders").hasParent(parent)
        .hasAttribute(io.weft.core.instrumentation.SemanticAttributes.SERVER_ADDRESS, "db.example")
        .hasAttribute(io.weft.core.instrumentation.SemanticAttributes.DB_RESPONSE_RETURNED_ROWS, 0L);
    assertThat(tracing.failures()).isZero();
  }

  @Test
  void aReplyForACommandNeverStartedIsIgnored() {
    listener.commandSucceeded(succeeded(99));
    assertThat(tracing.failures()).isZero();
    spans.verifyNoMoreSpans();
  }
}
