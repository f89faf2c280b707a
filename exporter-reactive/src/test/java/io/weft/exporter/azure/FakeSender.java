package io.weft.exporter.azure;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;
import reactor.core.publisher.Mono;

/**
 * A sender that answers in memory, for tests and benchmarks: no socket, no endpoint. Its configuration is
 * immutable ({@code with…} methods return a new sender); it records the requests it was given.
 *
 * <pre>{@code
 * FakeSender sender = FakeSender.accepting();                      // 200 to everything
 * FakeSender failing = sender.withResponder(r -> FakeSender.status(503));
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class FakeSender implements Sender {
  /** One request as sent: its URL and gzip body. */
  public record Request(URI url, byte[] body) {
    /** The envelopes in the body, in order. */
    public List<String> envelopes() {
      return FakeSender.envelopes(body);
    }
  }

  private final Function<Request, Mono<Response>> responder;
  private final boolean recording;
  private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
  private final AtomicInteger count = new AtomicInteger();

  private FakeSender(Function<Request, Mono<Response>> responder, boolean recording) {
    this.responder = responder;
    this.recording = recording;
  }

  /** Answers 200 with a TrackResponse accepting every item. */
  public static FakeSender accepting() {
    return new FakeSender(request -> Mono.just(accept(request)), true);
  }

  /** A sender that answers with {@code responder} (which may delay, or error for a transport failure). */
  public FakeSender withResponder(Function<Request, Mono<Response>> responder) {
    return new FakeSender(responder, recording);
  }

  /**
   * A sender that keeps no requests and, unless its responder asks for them, never inflates a body: the cheapest
   * downstream, for benchmarks.
   */
  public FakeSender withoutRecording() {
    return new FakeSender(responder, false);
  }

  /** The 200 answer accepting every item of {@code request}. */
  public static Response accept(Request request) {
    int items = request.envelopes().size();
    return new Response(200, null, null,
        "{\"itemsReceived\":" + items + ",\"itemsAccepted\":" + items + ",\"errors\":[]}");
  }

  /** A 200 that does not look at the body (for benchmarks). */
  public static Mono<Response> acceptBlindly() {
    return Mono.just(new Response(200, null, null, "{}"));
  }

  /** An answer with {@code status} and no body. */
  public static Mono<Response> status(int status) {
    return Mono.just(new Response(status, null, null, ""));
  }

  @Override
  public Mono<Response> send(URI url, byte[] gzipBody) {
    Request request = new Request(url, gzipBody);
    count.incrementAndGet();
    if (recording) {
      requests.add(request);
    }
    return responder.apply(request);
  }

  @Override
  public Mono<Void> close() {
    return Mono.empty();
  }

  /** The requests so far, oldest first (none when not recording). */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** How many requests were sent so far. */
  public int requestCount() {
    return count.get();
  }

  /** Every envelope sent so far, in order. */
  public List<String> envelopes() {
    return requests.stream().flatMap(r -> r.envelopes().stream()).toList();
  }

  static List<String> envelopes(byte[] gzipBody) {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipBody))) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return text.isEmpty() ? List.of() : List.of(text.split("\n", -1));
    } catch (IOException e) {
      throw new UncheckedIOException("not a gzip body", e);
    }
  }
}
