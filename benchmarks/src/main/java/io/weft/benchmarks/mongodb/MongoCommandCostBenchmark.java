package io.weft.benchmarks.mongodb;

import com.mongodb.RequestContext;
import com.mongodb.ServerAddress;
import com.mongodb.connection.ClusterId;
import com.mongodb.connection.ConnectionDescription;
import com.mongodb.connection.ServerId;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import com.mongodb.event.CommandSucceededEvent;
import com.mongodb.reactivestreams.client.ReactiveContextProvider;
import io.weft.core.ContextKeys;
import io.weft.core.Span;
import io.weft.core.Tracer;
import io.weft.core.sampler.Sampler;
import io.weft.mongodb.MongoTracing;
import java.util.concurrent.TimeUnit;
import org.bson.RawBsonDocument;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.BaseSubscriber;
import reactor.util.context.Context;

/**
 * What Weft itself costs per MongoDB command, without the driver, the network or a server: the context provider's
 * call for the operation, then the listener's "started" and "succeeded" for a {@code find} by {@code _id} and its
 * one-document reply, given as the raw documents the driver hands listeners. With {@code -prof gc}, the allocation
 * per operation is Weft's allocation per traced command ({@code MongoPairedFindBenchmark} measures the whole
 * round trip, where the driver's and the in-process server's allocations drown it).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class MongoCommandCostBenchmark {
  private static final RawBsonDocument FIND = RawBsonDocument.parse("{\"find\": \"orders\", \"filter\": {\"_id\": 42}, "
      + "\"limit\": 1, \"singleBatch\": true, \"$db\": \"shop\", \"lsid\": {\"id\": {\"$binary\": {\"base64\": "
      + "\"AAAAAAAAAAAAAAAAAAAAAA==\", \"subType\": \"04\"}}}}");
  private static final RawBsonDocument REPLY = RawBsonDocument.parse("{\"cursor\": {\"firstBatch\": [{\"_id\": 42, "
      + "\"customer\": \"c42\", \"total\": 12.5}], \"id\": 0, \"ns\": \"shop.orders\"}, \"ok\": 1.0}");
  private static final ConnectionDescription CONNECTION =
      new ConnectionDescription(new ServerId(new ClusterId(), new ServerAddress("127.0.0.1", 27017)));

  @Param({"sampled", "unsampled"})
  public String sampling;

  private CommandListener listener;
  private ReactiveContextProvider provider;
  private BaseSubscriber<Object> subscriber;
  private Span request;
  private RequestContext fixed;
  private long ended;

  @Setup(Level.Trial)
  public void setUp() {
    Tracer tracer = Tracer.builder().serviceName("bench").exporter(span -> ended++)
        .sampler(sampling.equals("sampled") ? Sampler.alwaysOn() : Sampler.alwaysOff()).build();
    MongoTracing tracing = MongoTracing.create(tracer);
    listener = tracing.commandListener();
    provider = tracing.contextProvider();
    request = tracer.spanBuilder("GET /orders/{id}").start();
    Context context = Context.of(ContextKeys.SPAN, request);
    subscriber = new BaseSubscriber<>() {
      @Override
      public Context currentContext() {
        return context;
      }
    };
    fixed = provider.getContext(subscriber);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    request.end();
    if (sampling.equals("sampled") && ended < 2) {
      throw new IllegalStateException("no command span ended");
    }
  }

  @Benchmark
  public Object command() {
    RequestContext operation = provider.getContext(subscriber);
    listener.commandStarted(new CommandStartedEvent(operation, 1L, 7, CONNECTION, "shop", "find", FIND));
    listener.commandSucceeded(new CommandSucceededEvent(operation, 1L, 7, CONNECTION, "shop", "find", REPLY, 1000L));
    return operation;
  }

  /** The two events alone, as the driver allocates them: subtract from {@link #command()}. */
  @Benchmark
  public Object eventsOnly() {
    RequestContext operation = fixed;
    CommandStartedEvent started = new CommandStartedEvent(operation, 1L, 7, CONNECTION, "shop", "find", FIND);
    return new CommandSucceededEvent(operation, 1L, 7, CONNECTION, "shop", "find", REPLY, 1000L) != null
        ? started : null;
  }
}
