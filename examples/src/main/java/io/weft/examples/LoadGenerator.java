package io.weft.examples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Drives the orders service: {@code requests} calls, paced at {@code rate} per second, at most {@code concurrency}
 * in flight, with a fixed mix per ten requests (see {@link #MIX}): five orders, one of them for the SKU whose
 * warehouse is offline (answered 503: expected, counted apart), three reads and one slow read. Its client is not
 * traced, so every request starts a new trace at the orders service, as a browser's would.
 *
 * <p>Counters are updated from Netty threads and read by anyone ({@link #progress()}); nothing blocks.
 */
final class LoadGenerator {
  /** What one load request does, and the status it expects. */
  enum Call {
    CREATE("POST /orders", 201),
    CREATE_OFFLINE("POST /orders", 503),
    READ("GET /orders/{id}", 200),
    READ_SLOW("GET /orders/{id}/slow", 200);

    final String route;
    final int expectedStatus;

    Call(String route, int expectedStatus) {
      this.route = route;
      this.expectedStatus = expectedStatus;
    }
  }

  /** The calls of each ten consecutive requests: request {@code i} makes {@code MIX[i % 10]}. */
  static final List<Call> MIX = List.of(Call.CREATE, Call.READ, Call.CREATE, Call.READ_SLOW, Call.CREATE, Call.READ,
      Call.CREATE, Call.CREATE_OFFLINE, Call.CREATE, Call.READ);
  private static final List<String> SKUS = List.of("widget", "gizmo", "sprocket");
  private static final int MAX_SAMPLES = 5;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final int requests;
  private final double rate;
  private final int concurrency;
  private final ConnectionProvider connections;
  private final HttpClient client;
  private final LongAdder sent = new LongAdder();
  private final LongAdder answered = new LongAdder();
  private final LongAdder expectedFailures = new LongAdder();
  private final LongAdder unexpected = new LongAdder();
  private final LongAdder[] byCall = new LongAdder[Call.values().length];
  private final List<String> samples = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong startNanos = new AtomicLong();

  /** What a load run did. */
  record Report(int planned, long sent, long answered, long expectedFailures, long unexpected,
      Map<Call, Long> byCall, List<String> unexpectedSamples, Duration elapsed) {}

  LoadGenerator(String baseUrl, int requests, double rate, int concurrency) {
    this.requests = requests;
    this.rate = rate;
    this.concurrency = concurrency;
    this.connections = ConnectionProvider.builder("load-generator").maxConnections(concurrency)
        .pendingAcquireMaxCount(-1).build();
    this.client = HttpClient.create(connections).baseUrl(baseUrl);
    for (int i = 0; i < byCall.length; i++) {
      byCall[i] = new LongAdder();
    }
  }

  /** The call request {@code i} makes. */
  static Call call(int i) {
    return MIX.get(i % MIX.size());
  }

  /** Sends the requests; completes with the report when every one was answered (or failed), then frees the pool. */
  Mono<Report> run() {
    return Mono.defer(() -> {
      startNanos.set(System.nanoTime());
      return Flux.range(0, requests)
          .flatMap(i -> Mono.delay(Duration.ofNanos(Math.max(0, dueNanos(i) - elapsedNanos())))
              .then(send(i)), concurrency)
          .then(Mono.fromSupplier(this::progress));
    }).doFinally(signal -> connections.disposeLater().subscribe());
  }

  private long dueNanos(int i) {
    return (long) (i * 1e9 / rate);
  }

  private long elapsedNanos() {
    return System.nanoTime() - startNanos.get();
  }

  private Mono<Void> send(int i) {
    Call call = call(i);
    HttpClient.ResponseReceiver<?> request = switch (call) {
      case CREATE, CREATE_OFFLINE -> client.post().uri("/orders")
          .send(ByteBufFlux.fromString(Mono.just(orderJson(i, call == Call.CREATE_OFFLINE))));
      case READ -> client.get().uri("/orders/" + readId(i));
      case READ_SLOW -> client.get().uri("/orders/" + readId(i) + "/slow");
    };
    return Mono.fromRunnable(sent::increment)
        .then(request.responseSingle((response, body) -> body.asString().defaultIfEmpty("")
            .map(text -> new Answer(response.status().code(), text))))
        .timeout(TIMEOUT)
        .doOnNext(answer -> record(i, call, answer))
        .onErrorResume(error -> {
          answered.increment();
          unexpected(i, call, error.toString());
          return Mono.empty();
        })
        .then();
  }

  private record Answer(int status, String body) {}

  private void record(int i, Call call, Answer answer) {
    answered.increment();
    byCall[call.ordinal()].increment();
    if (answer.status() != call.expectedStatus) {
      unexpected(i, call, answer.status() + " " + answer.body());
    } else if (answer.status() >= 400) {
      expectedFailures.increment();
    }
  }

  private void unexpected(int i, Call call, String what) {
    unexpected.increment();
    if (samples.size() < MAX_SAMPLES) {
      samples.add("request " + i + " (" + call.route + "): " + what);
    }
  }

  static int readId(int i) {
    return 1 + i % OrderStore.SEEDED_ORDERS;
  }

  /** How many lines order {@code i} has: one to three, each a different SKU. */
  static int lines(int i) {
    return 1 + i % 3;
  }

  /** The body of order {@code i}: one to three lines; an offline order ends with a line for the offline SKU. */
  static String orderJson(int i, boolean offline) {
    StringBuilder json = new StringBuilder("{\"customer\":\"customer-").append(i % 37).append("\",\"lines\":[");
    int lines = lines(i);
    for (int line = 0; line < lines; line++) {
      String sku = offline && line == lines - 1 ? Stock.OFFLINE_SKU : SKUS.get((i + line) % SKUS.size());
      json.append(line == 0 ? "" : ",").append("{\"sku\":\"").append(sku).append("\",\"quantity\":")
          .append(1 + (i + line) % 4).append('}');
    }
    return json.append("]}").toString();
  }

  /** The counters so far. */
  Report progress() {
    Map<Call, Long> calls = new EnumMap<>(Call.class);
    for (Call call : Call.values()) {
      calls.put(call, byCall[call.ordinal()].sum());
    }
    long started = startNanos.get();
    return new Report(requests, sent.sum(), answered.sum(), expectedFailures.sum(), unexpected.sum(), calls,
        List.copyOf(samples), started == 0 ? Duration.ZERO : Duration.ofNanos(elapsedNanos()));
  }
}
