package io.weft.vertx;

import io.vertx.core.Context;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.spi.context.storage.ContextLocal;
import io.vertx.core.spi.tracing.TagExtractor;
import io.vertx.core.spi.tracing.VertxTracer;
import io.vertx.core.tracing.TracingPolicy;
import io.weft.core.Span;
import io.weft.core.SpanBuilder;
import io.weft.core.SpanContext;
import io.weft.core.SpanKind;
import io.weft.core.instrumentation.DbTracing;
import io.weft.core.instrumentation.HttpClientHandler;
import io.weft.core.instrumentation.HttpServerHandler;
import io.weft.core.instrumentation.HttpSpans;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.core.instrumentation.SemanticAttributes;
import io.weft.core.propagation.W3CTraceContext;
import java.util.Map;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Weft behind Vert.x's tracing SPI, a thin adapter on Weft's instrumentation layer: the HTTP server's requests go
 * through {@link HttpServerHandler}, the HTTP client's and WebClient's calls through {@link HttpClientHandler}, the
 * SQL clients' queries through {@link DbTracing}; event-bus messages and anything else Vert.x reports get a span
 * named by Vert.x's operation, with Vert.x's tags as attributes.
 *
 * <p>The request span is kept in the request's (duplicated) Vert.x context under a context local, the SPI's
 * per-request storage, never in a thread-local: work the handler does on that context, and Vert.x client calls it
 * makes, take it as their parent. {@link TracingPolicy} is honoured as Vert.x defines it: {@code IGNORE} traces
 * nothing; {@code PROPAGATE} (the clients' default) traces a server request only when the caller sent a trace
 * context, and a client call only when there is a current span; {@code ALWAYS} (the HTTP server's default) starts a
 * new trace when there is none.
 *
 * <p>Never throws into Vert.x: failures are counted and logged (rate-limited).
 */
final class WeftVertxTracer implements VertxTracer<Span, WeftVertxTracer.ClientCall> {
  /** The current Weft span of a Vert.x context. Registered when this class loads, before any Vert.x is built. */
  static final ContextLocal<Span> ACTIVE = ContextLocal.registerLocal(Span.class);

  /** What a client-side call is, so that its end goes to the helper that started it. */
  enum CallKind { HTTP, SQL, OTHER }

  /** A client-side call in flight: its span and its kind. */
  record ClientCall(Span span, CallKind kind) {}

  private final HttpTracing http;
  private final DbTracing db;
  private final HttpServerHandler<HttpServerRequest, HttpServerResponse> server;
  private final HttpClientHandler<VertxClientAdapter.Outgoing, Map<String, String>> client;

  WeftVertxTracer(HttpServerHandler<HttpServerRequest, HttpServerResponse> server,
      HttpClientHandler<VertxClientAdapter.Outgoing, Map<String, String>> client, DbTracing db) {
    this.http = server.tracing();
    this.db = db;
    this.server = server;
    this.client = client;
  }

  @Override
  public <R> @Nullable Span receiveRequest(Context context, io.vertx.core.spi.tracing.SpanKind kind,
      TracingPolicy policy, R request, String operation, Iterable<Map.Entry<String, String>> headers,
      TagExtractor<R> tagExtractor) {
    if (policy == TracingPolicy.IGNORE) {
      return null;
    }
    try {
      SpanContext parent = W3CTraceContext.extract(headers);
      if (!parent.isValid() && policy == TracingPolicy.PROPAGATE) {
        return null;
      }
      Span span;
      if (request instanceof HttpServerRequest) {
        span = server.handleReceive((HttpServerRequest) request, parent, SpanKind.SERVER);
      } else {
        SpanBuilder builder = other(kind == io.vertx.core.spi.tracing.SpanKind.MESSAGING ? SpanKind.CONSUMER
            : SpanKind.SERVER, operation);
        span = started(parent.isValid() ? builder.parent(parent) : builder.noParent(),
            Tags.read(request, tagExtractor));
      }
      if (!span.context().isValid()) {
        return null;
      }
      ACTIVE.put(context, span);
      return span;
    } catch (RuntimeException | LinkageError e) {
      http.failed("receiving a Vert.x request", e);
      return null;
    }
  }

  @Override
  public <R> void sendResponse(Context context, @Nullable R response, @Nullable Span span,
      @Nullable Throwable failure, TagExtractor<R> tagExtractor) {
    if (span == null) {
      return;
    }
    try {
      ACTIVE.remove(context);
    } catch (RuntimeException | LinkageError e) {
      http.failed("leaving a Vert.x request", e);
    }
    if (response instanceof HttpServerResponse) {
      server.handleSend(span, (HttpServerResponse) response, failure);
    } else {
      endOther(span, failure);
    }
  }

  @Override
  public <R> @Nullable ClientCall sendRequest(Context context, io.vertx.core.spi.tracing.SpanKind kind,
      TracingPolicy policy, @Nullable R request, String operation, BiConsumer<String, String> headers,
      TagExtractor<R> tagExtractor) {
    if (policy == TracingPolicy.IGNORE || request == null) {
      return null;
    }
    try {
      Span parent = ACTIVE.get(context);
      if (parent == null) {
        Span current = Span.current();
        parent = current.context().isValid() ? current : null;
      }
      if (parent == null && policy != TracingPolicy.ALWAYS) {
        return null;
      }
      Map<String, String> tags = Tags.read(request, tagExtractor);
      if (tags.containsKey(SemanticAttributes.DB_SYSTEM)) {
        Span span = VertxSql.start(db, tags, operation, parent);
        return span.isRecording() ? new ClientCall(span, CallKind.SQL) : null;
      }
      if (kind == io.vertx.core.spi.tracing.SpanKind.MESSAGING) {
        SpanBuilder builder = other(SpanKind.PRODUCER, operation);
        Span span = started(parent != null ? builder.parent(parent) : builder.noParent(), tags);
        HttpSpans.inject(span.context(), headers, false);
        return span.isRecording() ? new ClientCall(span, CallKind.OTHER) : null;
      }
      Span span = client.handleSend(new VertxClientAdapter.Outgoing(tags, operation, headers), parent, null);
      return span.isRecording() ? new ClientCall(span, CallKind.HTTP) : null;
    } catch (RuntimeException | LinkageError e) {
      http.failed("sending a Vert.x request", e);
      return null;
    }
  }

  @Override
  public <R> void receiveResponse(Context context, @Nullable R response, @Nullable ClientCall call,
      @Nullable Throwable failure, TagExtractor<R> tagExtractor) {
    if (call == null) {
      return;
    }
    switch (call.kind()) {
      case HTTP -> {
        Map<String, String> tags = Map.of();
        try {
          tags = response == null ? Map.of() : Tags.read(response, tagExtractor);
        } catch (RuntimeException | LinkageError e) {
          http.failed("reading a Vert.x response", e);
        }
        client.handleReceive(call.span(), tags, failure);
      }
      case SQL -> {
        try {
          VertxSql.end(call.span(), response, failure);
        } catch (RuntimeException | LinkageError e) {
          db.failed("ending a Vert.x query span", e);
        }
      }
      default -> endOther(call.span(), failure);
    }
  }

  /** A span for what Vert.x reports that is neither HTTP nor SQL: named by Vert.x's operation. */
  private SpanBuilder other(SpanKind kind, String operation) {
    return http.tracer().spanBuilder(operation).kind(kind);
  }

  /** Starts {@code builder}'s span with Vert.x's {@code tags} as its attributes. */
  private static Span started(SpanBuilder builder, Map<String, String> tags) {
    Span span = builder.start();
    if (span.isRecording()) {
      tags.forEach(span::setAttribute);
    }
    return span;
  }

  private void endOther(Span span, @Nullable Throwable failure) {
    try {
      if (failure != null && span.isRecording()) {
        HttpSpans.failure(span, failure);
      }
    } catch (RuntimeException | LinkageError e) {
      http.failed("ending a Vert.x span", e);
    } finally {
      span.end();
    }
  }
}
