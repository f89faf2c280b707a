package io.weft.benchmarks.mongodb;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.model.Filters;
import com.mongodb.connection.TransportSettings;
import com.mongodb.event.CommandListener;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import com.mongodb.reactivestreams.client.MongoCollection;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.weft.benchmarks.PairedLatencies;
import io.weft.core.ContextKeys;
import io.weft.core.Span;
import io.weft.core.Tracer;
import io.weft.core.export.SpanExporter;
import io.weft.core.sampler.Sampler;
import io.weft.mongodb.MongoTracing;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;
import org.bson.Document;
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
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * A traced against an untraced {@code find} by {@code _id} through the reactive MongoDB driver, against an
 * in-process MongoDB wire-protocol server on loopback, measured in pairs like {@code HttpPairedRoundTripBenchmark}:
 * each operation runs one untraced and one traced find back to back (each through its own client, alternating which
 * goes first) and times each with {@code System.nanoTime}; the auxiliary counters {@code untracedNanos} and {@code
 * tracedNanos} give the ratio. Both finds run with the same request span in their Reactor context, as in a service.
 * Both clients use the driver's Netty transport on one shared event loop: with the default transport each client
 * has threads of its own, and two untraced clients measured 0.98 against each other.
 *
 * <p>{@code traced}: Weft's listener and context provider on the traced client with a sampling tracer ({@code
 * sampled}) or one that samples nothing ({@code unsampled}); {@code noopListener}: a command listener that does
 * nothing, the floor of any tracer built on the driver's command events (with a listener registered, the driver
 * builds each command's and each reply's document for the events); {@code none}: the control, both clients plain
 * (the ratio must be 1). With {@code -prof gc}, {@code sampled}'s allocation per operation minus {@code none}'s is the
 * allocation per traced command.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 20, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class MongoPairedFindBenchmark {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @Param({"sampled", "unsampled", "noopListener", "none"})
  public String traced;

  private final LongAdder exported = new LongAdder();
  /** One event loop for both clients' connections, so that neither side gets a better thread topology. */
  private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private MongoServer server;
  private MongoClient plainClient;
  private MongoClient tracedClient;
  private MongoCollection<Document> plain;
  private MongoCollection<Document> tracedCollection;
  private Span request;
  private Context context;
  private long pairs;

  @Setup(Level.Trial)
  public void setUp() {
    server = new MongoServer(new MemoryBackend());
    server.bind("127.0.0.1", 0);
    InetSocketAddress address = server.getLocalAddress();
    SpanExporter counting = span -> exported.increment();
    Tracer tracer = Tracer.builder().serviceName("bench").exporter(counting)
        .sampler(traced.equals("unsampled") ? Sampler.alwaysOff() : Sampler.alwaysOn()).build();
    String uri = "mongodb://127.0.0.1:" + address.getPort();
    plainClient = client(uri, UnaryOperator.identity());
    tracedClient = switch (traced) {
      case "none" -> client(uri, UnaryOperator.identity());
      case "noopListener" -> client(uri, builder -> builder.addCommandListener(new CommandListener() {}));
      default -> client(uri, MongoTracing.create(tracer)::configure);
    };
    plain = plainClient.getDatabase("shop").getCollection("orders");
    tracedCollection = tracedClient.getDatabase("shop").getCollection("orders");
    Mono.from(plain.insertOne(new Document("_id", 42).append("customer", "c42").append("total", 12.5)))
        .block(TIMEOUT);
    request = tracer.spanBuilder("GET /orders/{id}").start();
    context = Context.of(ContextKeys.SPAN, request);
  }

  private MongoClient client(String uri, UnaryOperator<MongoClientSettings.Builder> configure) {
    return MongoClients.create(configure.apply(MongoClientSettings.builder()
        .applyConnectionString(new ConnectionString(uri))
        .transportSettings(TransportSettings.nettyBuilder().eventLoopGroup(loop).build())).build());
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    request.end();
    plainClient.close();
    tracedClient.close();
    server.shutdownNow();
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    if (traced.equals("sampled") && exported.sum() < 2) {
      throw new IllegalStateException("the traced finds exported no span");
    }
    if (!traced.equals("sampled") && exported.sum() > 1) {
      throw new IllegalStateException(traced + " exported " + exported.sum() + " spans");
    }
  }

  private long timed(MongoCollection<Document> collection) {
    long start = System.nanoTime();
    Document found = Mono.from(collection.find(Filters.eq("_id", 42)).first()).contextWrite(context)
        .block(TIMEOUT);
    long elapsed = System.nanoTime() - start;
    if (found == null || found.getInteger("_id") != 42) {
      throw new IllegalStateException("unexpected document: " + found);
    }
    return elapsed;
  }

  @Benchmark
  public void pair(PairedLatencies latencies) {
    if ((pairs++ & 1) == 0) {
      latencies.untracedNanos += timed(plain);
      latencies.tracedNanos += timed(tracedCollection);
    } else {
      latencies.tracedNanos += timed(tracedCollection);
      latencies.untracedNanos += timed(plain);
    }
  }
}
