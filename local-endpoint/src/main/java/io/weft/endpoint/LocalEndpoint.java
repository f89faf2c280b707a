package io.weft.endpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * An embeddable Application Insights–compatible ingestion endpoint on reactor-netty: what Azurite is for Azure
 * Storage, this is for Application Insights.
 *
 * <pre>{@code
 * try (LocalEndpoint endpoint = LocalEndpoint.builder().instrumentationKey("my-key").start()) {
 *   exporter = AzureMonitorExporter.builder().connectionString(endpoint.connectionString()).build();
 *   ...
 *   List<TelemetryItem> requests = endpoint.store().items("Request");
 * }
 * }</pre>
 *
 * <p>It serves {@code POST /v2.1/track} and {@code /v2/track} (gzip or identity; newline-delimited JSON or a JSON
 * array) and answers like the service: 200 with a TrackResponse, 206 with per-item errors, 400 when every item is
 * invalid or the body is not JSON, 413 for an oversized body, 415 for a wrong content type (none is fine, as Microsoft's
 * Java exporter sends none) or encoding, 405 for other
 * methods. Queries: {@code GET /api/items?operationId=&type=&limit=&offset=}, {@code GET /api/traces/{operationId}},
 * {@code GET /api/stats}, and the trace viewer's {@code /api/operations}, {@code /api/map}, {@code /api/map/calls}
 * and {@code /api/failures}, answered on a parallel thread. {@code GET /} is the trace viewer. It binds 127.0.0.1 by
 * default, because the viewer and the query API show everything it received.
 *
 * <p>Thread-safe. Request handling runs on reactor-netty's event loops and never blocks them (the optional store
 * file is written on a bounded-elastic thread; queries are computed on Reactor's parallel scheduler). Bad input is answered, never thrown.
 */
public final class LocalEndpoint implements AutoCloseable {
  /** The instrumentation key used in {@link #connectionString()} when none is configured. */
  public static final String DEFAULT_INSTRUMENTATION_KEY = "00000000-0000-0000-0000-000000000000";
  /** Largest request body accepted as sent (compressed or not). */
  public static final int MAX_REQUEST_BYTES = 16 * 1024 * 1024;
  /** Largest request body accepted after decompression. */
  public static final int MAX_INFLATED_BYTES = 64 * 1024 * 1024;
  /** Most items accepted in one request, as the service documents. */
  public static final int MAX_ITEMS_PER_REQUEST = 64_000;

  static final ObjectMapper JSON = new ObjectMapper();

  private final String host;
  private final @Nullable String instrumentationKey;
  private final boolean countOnly;
  private final EnvelopeValidator validator;
  private final TelemetryStore store;
  private final Faults faults = new Faults();
  private final Object serverLock = new Object();
  private @Nullable DisposableServer server; // guarded by serverLock
  private final int port;

  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong itemsReceived = new AtomicLong();
  private final AtomicLong itemsAccepted = new AtomicLong();
  private final AtomicLong itemsRejected = new AtomicLong();
  private final AtomicLong bytesReceived = new AtomicLong();
  private final AtomicLong bytesInflated = new AtomicLong();

  private LocalEndpoint(Builder builder) {
    this.host = builder.host;
    this.instrumentationKey = builder.instrumentationKey;
    this.countOnly = builder.countOnly;
    this.validator = instrumentationKey == null ? EnvelopeValidator.anyKey()
        : EnvelopeValidator.create(instrumentationKey);
    this.store = new TelemetryStore(builder.maxStoredItems, builder.storeFile);
    ViewerFiles.load();
    DisposableServer bound = bind(builder.port);
    this.server = bound;
    this.port = bound.port();
  }

  /** A builder: 127.0.0.1, a free port, any instrumentation key, 100,000 items kept in memory. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts an endpoint with the defaults of {@link #builder()}. */
  public static LocalEndpoint start() {
    return builder().start();
  }

  private DisposableServer bind(int bindPort) {
    return HttpServer.create()
        .host(host)
        .port(bindPort)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .handle(this::handle)
        .bindNow(Duration.ofSeconds(10));
  }

  /** The port it listens on (the actual one when started with port 0). */
  public int port() {
    return port;
  }

  /** The host it binds. */
  public String host() {
    return host;
  }

  /** Its base URL, e.g. {@code http://127.0.0.1:54321/}: the {@code IngestionEndpoint} of a connection string. */
  public String url() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return "http://" + h + ":" + port + "/";
  }

  /** The configured instrumentation key, or {@link #DEFAULT_INSTRUMENTATION_KEY} when any key is accepted. */
  public String instrumentationKey() {
    return instrumentationKey != null ? instrumentationKey : DEFAULT_INSTRUMENTATION_KEY;
  }

  /** A connection string for any Application Insights SDK or exporter: key and {@code IngestionEndpoint}. */
  public String connectionString() {
    return "InstrumentationKey=" + instrumentationKey() + ";IngestionEndpoint=" + url();
  }

  /** What was accepted, with the query API. */
  public TelemetryStore store() {
    return store;
  }

  /** The fault plan for the next requests. */
  public Faults faults() {
    return faults;
  }

  /** The counters, now. */
  public EndpointStats stats() {
    return new EndpointStats(requests.get(), itemsReceived.get(), itemsAccepted.get(), itemsRejected.get(),
        bytesReceived.get(), bytesInflated.get(), store.evicted());
  }

  /** Stops listening: new connections are refused until {@link #resume()}. Call it from a test thread. */
  public void pause() {
    synchronized (serverLock) {
      DisposableServer current = server;
      if (current != null) {
        current.disposeNow(Duration.ofSeconds(10));
        server = null;
      }
    }
  }

  /** Listens again on the same port after {@link #pause()}. */
  public void resume() {
    synchronized (serverLock) {
      if (server == null) {
        server = bind(port);
      }
    }
  }

  /** Whether it is listening (not paused, not closed). */
  public boolean isListening() {
    synchronized (serverLock) {
      return server != null;
    }
  }

  @Override
  public void close() {
    pause();
    store.close();
  }

  // ---------------------------------------------------------------------------------------------------------------

  private Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
    String decoded = new QueryStringDecoder(request.uri()).path();
    String path = decoded.endsWith("/") && decoded.length() > 1 ? decoded.substring(0, decoded.length() - 1)
        : decoded;
    try {
      if (path.equals("/v2.1/track") || path.equals("/v2/track")) {
        if (!request.method().equals(HttpMethod.POST)) {
          return send(response, Reply.error(405, "method " + request.method() + " not allowed; use POST")
              .header("Allow", "POST"));
        }
        return track(request, response);
      }
      if (Queries.handles(path)) {
        if (!request.method().equals(HttpMethod.GET)) {
          return send(response, Reply.error(405, "method " + request.method() + " not allowed; use GET")
              .header("Allow", "GET"));
        }
        // Queries walk up to every stored item: off the event loop, which keeps accepting telemetry meanwhile.
        Map<String, List<String>> parameters = new QueryStringDecoder(request.uri()).parameters();
        return Mono.fromCallable(() -> Queries.answer(path, parameters, this))
            .subscribeOn(Schedulers.parallel())
            .onErrorResume(e -> Mono.just(Reply.error(500, "local endpoint failed: " + e)))
            .flatMap(reply -> send(response, reply.header("Cache-Control", "no-store")));
      }
      ViewerFiles.File file = ViewerFiles.get(path.isEmpty() ? "/" : path);
      if (file != null) {
        if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
          return send(response, Reply.error(405, "method " + request.method() + " not allowed; use GET")
              .header("Allow", "GET, HEAD"));
        }
        return response.status(200)
            .header(HttpHeaderNames.CONTENT_TYPE, file.contentType())
            .header("Content-Security-Policy", ViewerFiles.CONTENT_SECURITY_POLICY)
            .header("X-Content-Type-Options", "nosniff")
            .header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
            .sendByteArray(Mono.just(file.bytes())).then();
      }
      return send(response, Reply.error(404, "no such endpoint: " + path
          + " (ingestion: POST /v2.1/track; queries: GET /api/items, /api/traces/{operationId}, /api/stats,"
          + " /api/operations, /api/map, /api/failures; the trace viewer: GET /)"));
    } catch (RuntimeException e) {
      return send(response, Reply.error(500, "local endpoint failed: " + e));
    }
  }

  private Mono<Void> track(HttpServerRequest request, HttpServerResponse response) {
    requests.incrementAndGet();
    Faults.Fault fault = faults.next();
    if (fault instanceof Faults.Reset) {
      request.withConnection(connection -> {
        connection.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        connection.channel().close();
      });
      return Mono.empty();
    }
    String contentType = request.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE);
    if (!acceptableContentType(contentType)) {
      return send(response, Reply.error(415, "Content-Type must be application/x-json-stream or application/json: "
          + contentType));
    }
    String encoding = request.requestHeaders().get(HttpHeaderNames.CONTENT_ENCODING);
    boolean gzip;
    if (encoding == null || encoding.isBlank() || encoding.equalsIgnoreCase("identity")) {
      gzip = false;
    } else if (encoding.trim().equalsIgnoreCase("gzip")) {
      gzip = true;
    } else {
      return send(response, Reply.error(415, "Content-Encoding must be gzip or identity: " + encoding));
    }
    String declared = request.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > MAX_REQUEST_BYTES) {
          return send(response, tooLarge("request body of " + declared + " bytes"));
        }
      } catch (NumberFormatException e) {
        return send(response, Reply.error(400, "Content-Length is not a number: " + declared));
      }
    }
    Mono<Reply> reply = request.receive().asByteArray()
        .reduceWith(ByteArrayOutputStream::new, (body, chunk) -> {
          if (body.size() + chunk.length > MAX_REQUEST_BYTES) {
            throw new TooLarge("request body over " + MAX_REQUEST_BYTES + " bytes");
          }
          body.write(chunk, 0, chunk.length);
          return body;
        })
        .map(body -> process(body.toByteArray(), gzip, fault))
        .onErrorResume(TooLarge.class, e -> Mono.just(tooLarge(e.getMessage())));
    if (fault instanceof Faults.Delay) {
      reply = reply.delayElement(((Faults.Delay) fault).delay());
    }
    return reply.flatMap(r -> send(response, r));
  }

  private static boolean acceptableContentType(@Nullable String contentType) {
    if (contentType == null) {
      // Microsoft's Java exporter (azure-monitor-opentelemetry-autoconfigure 1.2.0) sends gzip NDJSON with no
      // Content-Type at all, and the service accepts it; the body's first byte tells an array from NDJSON.
      return true;
    }
    String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return type.equals("application/x-json-stream") || type.equals("application/json");
  }

  private static Reply tooLarge(@Nullable String what) {
    return Reply.error(413, "payload too large: " + what + "; the limits are " + MAX_REQUEST_BYTES
        + " bytes as sent, " + MAX_INFLATED_BYTES + " bytes inflated and " + MAX_ITEMS_PER_REQUEST + " items");
  }

  /** Handles one track body; runs on an event loop, CPU only. */
  Reply process(byte[] body, boolean gzip, Faults.@Nullable Fault fault) {
    bytesReceived.addAndGet(body.length);
    Items items = null;
    if (gzip && countOnly) {
      try {
        items = countInflated(body); // null for a JSON array, counted the usual way below
      } catch (TooLarge e) {
        return tooLarge(e.getMessage());
      } catch (IOException e) {
        return Reply.error(400, "body is not valid gzip: " + e.getMessage());
      }
    }
    if (items == null) {
      byte[] payload;
      if (gzip) {
        try {
          payload = inflate(body);
        } catch (TooLarge e) {
          return tooLarge(e.getMessage());
        } catch (IOException e) {
          return Reply.error(400, "body is not valid gzip: " + e.getMessage());
        }
      } else {
        payload = body;
      }
      bytesInflated.addAndGet(payload.length);
      items = countOnly ? Items.count(payload) : Items.parse(payload, validator);
    }
    if (items.error() != null) {
      return Reply.error(400, items.error());
    }
    int received = items.size();
    if (received > MAX_ITEMS_PER_REQUEST) {
      return tooLarge(received + " items");
    }
    if (received == 0) {
      return Reply.error(400, "no telemetry items in the body");
    }
    itemsReceived.addAndGet(received);
    if (fault instanceof Faults.Redirect) {
      Faults.Redirect redirect = (Faults.Redirect) fault;
      itemsRejected.addAndGet(received);
      return new Reply(redirect.status(), "", Map.of("Location", redirect.location()));
    }
    if (fault instanceof Faults.Raw) {
      Faults.Raw raw = (Faults.Raw) fault;
      itemsRejected.addAndGet(received);
      return new Reply(raw.status(), raw.body(), Map.of());
    }
    if (fault instanceof Faults.Status) {
      Faults.Status status = (Faults.Status) fault;
      itemsRejected.addAndGet(received);
      List<ItemError> errors = new ArrayList<>(received);
      for (int i = 0; i < received; i++) {
        errors.add(new ItemError(i, status.status(), "Injected failure: " + status.status()));
      }
      Reply reply = Reply.track(status.status(), received, 0, errors);
      return status.retryAfter() != null ? reply.header("Retry-After", status.retryAfter()) : reply;
    }
    if (countOnly) {
      itemsAccepted.addAndGet(received);
      return Reply.track(200, received, received, List.of());
    }
    Map<Integer, Integer> injected = fault instanceof Faults.Partial ? ((Faults.Partial) fault).failed() : Map.of();
    List<ItemError> errors = new ArrayList<>();
    List<Items.Item> accepted = new ArrayList<>(received);
    for (int i = 0; i < received; i++) {
      Items.Item item = items.get(i);
      List<String> problems = item.parsed().problems();
      if (item.bytes() > EnvelopeValidator.MAX_ITEM_BYTES) {
        problems = new ArrayList<>(problems);
        problems.add(0, "item is larger than " + EnvelopeValidator.MAX_ITEM_BYTES + " bytes (" + item.bytes() + ")");
      }
      Integer injectedStatus = injected.get(i);
      if (!problems.isEmpty()) {
        errors.add(new ItemError(i, 400, String.join("; ", problems)));
      } else if (injectedStatus != null) {
        errors.add(new ItemError(i, injectedStatus, injectedStatus == Faults.SAMPLED_OUT
            ? "Telemetry sampled out." : "Injected failure: " + injectedStatus));
      } else {
        accepted.add(item);
      }
    }
    store.add(accepted);
    itemsAccepted.addAndGet(accepted.size());
    itemsRejected.addAndGet(received - accepted.size());
    int status = errors.isEmpty() ? 200 : accepted.isEmpty() && injected.isEmpty() ? 400 : 206;
    return Reply.track(status, received, accepted.size(), errors);
  }

  private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[64 * 1024]);

  /**
   * Count-only mode, gzip NDJSON: inflates through a per-thread scratch buffer and counts the non-blank lines as
   * they stream by (as {@link Items#count} would), without keeping the inflated text. Returns null when the body
   * turns out to be a JSON array.
   */
  private @Nullable Items countInflated(byte[] body) throws IOException {
    byte[] scratch = SCRATCH.get();
    long total = 0;
    LineCounter lines = new LineCounter();
    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(body), 8192)) {
      int n;
      while ((n = in.read(scratch)) > 0) {
        total += n;
        if (total > MAX_INFLATED_BYTES) {
          throw new TooLarge("inflated body over " + MAX_INFLATED_BYTES + " bytes");
        }
        if (!lines.feed(scratch, 0, n)) {
          return null;
        }
      }
    } catch (ZipException | java.io.EOFException e) {
      throw new IOException(e.getMessage() != null ? e.getMessage() : e.toString(), e);
    }
    bytesInflated.addAndGet(total);
    return Items.counted(lines.finish());
  }

  private static byte[] inflate(byte[] body) throws IOException {
    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(body), 8192)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, body.length * 4));
      byte[] buffer = new byte[16 * 1024];
      int n;
      while ((n = in.read(buffer)) > 0) {
        if (out.size() + n > MAX_INFLATED_BYTES) {
          throw new TooLarge("inflated body over " + MAX_INFLATED_BYTES + " bytes");
        }
        out.write(buffer, 0, n);
      }
      return out.toByteArray();
    } catch (ZipException | java.io.EOFException e) {
      throw new IOException(e.getMessage() != null ? e.getMessage() : e.toString(), e);
    }
  }

  private static Mono<Void> send(HttpServerResponse response, Reply reply) {
    response.status(reply.status());
    response.header(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
    reply.headers().forEach(response::header);
    if (reply.body().isEmpty()) {
      return response.send().then();
    }
    return response.sendString(Mono.just(reply.body()), StandardCharsets.UTF_8).then();
  }

  /** A per-item error of a TrackResponse. */
  record ItemError(int index, int statusCode, String message) {}

  /** An HTTP answer. */
  record Reply(int status, String body, Map<String, String> headers) {

    static Reply track(int status, int received, int accepted, List<ItemError> errors) {
      ObjectNode root = JSON.createObjectNode();
      root.put("itemsReceived", received);
      root.put("itemsAccepted", accepted);
      ArrayNode array = root.putArray("errors");
      for (ItemError error : errors) {
        array.addObject().put("index", error.index()).put("statusCode", error.statusCode())
            .put("message", error.message());
      }
      return new Reply(status, root.toString(), Map.of());
    }

    static Reply error(int status, String message) {
      ObjectNode root = JSON.createObjectNode();
      root.put("error", message);
      return new Reply(status, root.toString(), Map.of());
    }

    static Reply json(JsonNode node) {
      try {
        return new Reply(200, JSON.writeValueAsString(node), Map.of());
      } catch (JsonProcessingException e) {
        return error(500, "cannot render JSON: " + e.getOriginalMessage());
      }
    }

    Reply header(String name, String value) {
      Map<String, String> all = new java.util.HashMap<>(headers);
      all.put(name, value);
      return new Reply(status, body, Map.copyOf(all));
    }
  }

  /** A body over a size limit. */
  static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLarge(String message) {
      super(message, null, false, false);
    }
  }

  /** Configures and starts a {@link LocalEndpoint}. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port;
    private @Nullable String instrumentationKey;
    private @Nullable Path storeFile;
    private int maxStoredItems = 100_000;
    private boolean countOnly;

    Builder() {}

    /** The address to bind (default 127.0.0.1: the query API shows everything received). */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port (default 0: a free port, see {@link LocalEndpoint#port()}). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be within [0, 65535]: " + port);
      }
      this.port = port;
      return this;
    }

    /** Accept only this instrumentation key (default: any key). */
    public Builder instrumentationKey(String instrumentationKey) {
      Objects.requireNonNull(instrumentationKey, "instrumentationKey");
      if (instrumentationKey.isBlank()) {
        throw new IllegalArgumentException("instrumentationKey must not be blank");
      }
      this.instrumentationKey = instrumentationKey.trim();
      return this;
    }

    /** Also append every accepted envelope to this JSON-lines file. */
    public Builder storeFile(Path storeFile) {
      this.storeFile = Objects.requireNonNull(storeFile, "storeFile");
      return this;
    }

    /** How many items to keep in memory (default 100,000); older ones are evicted and counted. */
    public Builder maxStoredItems(int maxStoredItems) {
      if (maxStoredItems <= 0) {
        throw new IllegalArgumentException("maxStoredItems must be positive: " + maxStoredItems);
      }
      this.maxStoredItems = maxStoredItems;
      return this;
    }

    /** Throughput mode: inflate and count items only; no validation, no storage. */
    public Builder countOnly(boolean countOnly) {
      this.countOnly = countOnly;
      return this;
    }

    /** Binds and starts serving; fails fast if the port is taken. */
    public LocalEndpoint start() {
      return new LocalEndpoint(this);
    }
  }
}
