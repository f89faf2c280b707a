package io.weft.vertx;

import io.vertx.core.Context;
import io.vertx.core.spi.context.storage.ContextLocal;
import io.vertx.core.spi.tracing.TagExtractor;
import io.vertx.core.spi.tracing.VertxTracer;
import io.vertx.core.tracing.TracingPolicy;
import io.weft.core.Span;
import io.weft.core.SpanBuilder;
import io.weft.core.SpanContext;
import io.weft.core.SpanKind;
import io.weft.core.Tracer;
import io.weft.core.internal.FailureLog;
import io.weft.core.internal.HttpSpans;
import io.weft.core.internal.SqlSummary;
import io.weft.core.propagation.W3CTraceContext;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * Weft behind Vert.x's tracing SPI. Vert.x calls it for its HTTP server ({@code receiveRequest}/{@code
 * sendResponse}), its HTTP client and WebClient, and its SQL clients ({@code sendRequest}/{@code receiveResponse}).
 *
 * <p>The request span is kept in the request's (duplicated) Vert.x context under a context local, the SPI's
 * per-request storage, never in a thread-local: work the handler does on that context, and Vert.x client calls it
 * makes, take it as their parent. {@link TracingPolicy} is honoured as Vert.x defines it: {@code IGNORE} traces
 * nothing; {@code PROPAGATE} (the clients' default) traces a server request only when the caller sent a trace
 * context, and a client call only when there is a current span; {@code ALWAYS} (the HTTP server's default) starts a
 * new trace when there is none.
 *
 * <p>Never throws into Vert.x: failures are counted and logged once.
 */
final class WeftVertxTracer implements VertxTracer<Span, Span> {
  /** The current Weft span of a Vert.x context. Registered when this class loads, before any Vert.x is built. */
  static final ContextLocal<Span> ACTIVE = ContextLocal.registerLocal(Span.class);

  private static final FailureLog FAILURES = new FailureLog(LoggerFactory.getLogger(WeftVertxTracer.class),
      "Vert.x tracing failed; the call runs untraced");

  private final VertxTracing tracing;
  private final Tracer tracer;

  WeftVertxTracer(VertxTracing tracing) {
    this.tracing = tracing;
    this.tracer = tracing.tracer();
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
      Map<String, String> tags = tags(request, tagExtractor);
      String method = tags.getOrDefault("http.request.method", operation);
      String path = tags.get("url.path");
      String name = path != null ? HttpSpans.spanName(method, null, path) : operation;
      SpanBuilder builder = tracer.spanBuilder(name).kind(
          kind == io.vertx.core.spi.tracing.SpanKind.MESSAGING ? SpanKind.CONSUMER : SpanKind.SERVER);
      if (parent.isValid()) {
        builder.parent(parent);
      } else {
        builder.noParent();
      }
      Span span = builder.start();
      if (span.isRecording()) {
        span.setAttribute("http.request.method", method);
        String url = tags.get("http.url");
        if (url != null) {
          span.setAttribute("url.full", HttpSpans.recordedUrl(url, tracing.redactQueryValues()));
        }
        if (path != null) {
          span.setAttribute("url.path", path);
        }
        String scheme = tags.get("url.scheme");
        if (scheme != null) {
          span.setAttribute("url.scheme", scheme);
        }
        ServerRequests.describe(request, span);
      }
      ACTIVE.put(context, span);
      return span;
    } catch (RuntimeException | LinkageError e) {
      failed("receiveRequest", e);
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
      if (span.isRecording()) {
        Map<String, String> tags = response == null ? Map.of() : tags(response, tagExtractor);
        int status = status(tags.get("http.response.status_code"));
        if (failure != null) {
          HttpSpans.serverStatus(span, status > 0 ? status : 500, tracing.clientErrorsFail());
          HttpSpans.failure(span, failure);
        } else if (status > 0) {
          HttpSpans.serverStatus(span, status, tracing.clientErrorsFail());
        }
      }
    } catch (RuntimeException | LinkageError e) {
      failed("sendResponse", e);
    } finally {
      span.end();
    }
  }

  @Override
  public <R> @Nullable Span sendRequest(Context context, io.vertx.core.spi.tracing.SpanKind kind,
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
      Map<String, String> tags = tags(request, tagExtractor);
      SpanKind spanKind = kind == io.vertx.core.spi.tracing.SpanKind.MESSAGING ? SpanKind.PRODUCER : SpanKind.CLIENT;
      Span span = tags.containsKey("db.system")
          ? startQuery(tags, operation, spanKind, parent)
          : startHttp(tags, operation, spanKind, parent);
      HttpSpans.inject(span.context(), headers, tracing.legacyRequestId());
      return span.isRecording() ? span : null;
    } catch (RuntimeException | LinkageError e) {
      failed("sendRequest", e);
      return null;
    }
  }

  private Span startHttp(Map<String, String> tags, String operation, SpanKind kind, @Nullable Span parent) {
    String method = tags.getOrDefault("http.request.method", operation);
    String url = tags.get("url.full");
    SpanBuilder builder = tracer.spanBuilder(url != null ? HttpSpans.spanName(method, null, HttpSpans.path(url))
        : operation).kind(kind);
    if (parent != null) {
      builder.parent(parent);
    } else {
      builder.noParent();
    }
    Span span = builder.start();
    if (span.isRecording()) {
      span.setAttribute("http.request.method", method);
      if (url != null) {
        span.setAttribute("url.full", HttpSpans.recordedUrl(url, tracing.redactQueryValues()));
        HttpSpans.setServer(span, url);
      }
    }
    return span;
  }

  private Span startQuery(Map<String, String> tags, String operation, SpanKind kind, @Nullable Span parent) {
    String system = tags.getOrDefault("db.system", "other_sql");
    String sql = tags.get("db.query.text");
    SqlSummary summary = sql != null ? SqlSummary.of(sql) : null;
    String name = summary != null ? summary.spanName(system) : operation;
    SpanBuilder builder = tracer.spanBuilder(name).kind(kind).attribute("db.system", system);
    if (parent != null) {
      builder.parent(parent);
    } else {
      builder.noParent();
    }
    Span span = builder.start();
    if (span.isRecording()) {
      String namespace = tags.get("db.namespace");
      if (namespace != null && !namespace.isEmpty()) {
        span.setAttribute("db.namespace", namespace);
      }
      if (summary != null) {
        if (tracing.recordQueryText()) {
          span.setAttribute("db.query.text", summary.sanitized());
        }
        if (summary.operation() != null) {
          span.setAttribute("db.operation.name", summary.operation());
        }
        if (summary.table() != null) {
          span.setAttribute("db.collection.name", summary.table());
        }
      }
      String peer = tags.get("network.peer.address");
      if (peer != null) {
        HttpSpans.setServer(span, system + "://" + peer);
      }
    }
    return span;
  }

  @Override
  public <R> void receiveResponse(Context context, @Nullable R response, @Nullable Span span,
      @Nullable Throwable failure, TagExtractor<R> tagExtractor) {
    if (span == null) {
      return;
    }
    try {
      if (span.isRecording()) {
        Map<String, String> tags = response == null ? Map.of() : tags(response, tagExtractor);
        int status = status(tags.get("http.response.status_code"));
        if (status > 0) {
          HttpSpans.clientStatus(span, status);
        }
        if (failure != null) {
          HttpSpans.failure(span, failure);
        }
      }
    } catch (RuntimeException | LinkageError e) {
      failed("receiveResponse", e);
    } finally {
      span.end();
    }
  }

  private static <R> Map<String, String> tags(R target, TagExtractor<R> extractor) {
    int length = extractor.len(target);
    Map<String, String> tags = new HashMap<>(length * 2);
    for (int i = 0; i < length; i++) {
      String value = extractor.value(target, i);
      if (value != null) {
        tags.put(extractor.name(target, i), value);
      }
    }
    return tags;
  }

  private static int status(@Nullable String value) {
    if (value == null) {
      return -1;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void failed(String where, Throwable error) {
    tracing.failed();
    FAILURES.log(where, error);
  }
}
