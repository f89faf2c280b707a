package io.weft.vertx;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.spi.VertxTracerFactory;
import io.vertx.core.spi.tracing.VertxTracer;
import io.vertx.core.tracing.TracingOptions;
import io.weft.core.ContextKeys;
import io.weft.core.Span;
import io.weft.core.Tracer;
import io.weft.core.instrumentation.DbTracing;
import io.weft.core.instrumentation.HttpClientHandler;
import io.weft.core.instrumentation.HttpServerHandler;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.core.propagation.W3CTraceContext;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Plugs Weft into Vert.x 5 through its tracing SPI: the HTTP server's requests become SERVER spans, the HTTP client's
 * and WebClient's calls and the SQL clients' queries CLIENT spans, with W3C Trace Context on the wire.
 *
 * <pre>{@code
 * Vertx vertx = Vertx.builder().withTracer(VertxTracing.create(tracer)).build();   // the one line
 * }</pre>
 *
 * <p>Or with no code, through service loading and the global tracer ({@link Tracer#global()}): {@code
 * Vertx.vertx(new VertxOptions().setTracingOptions(new TracingOptions()))} picks up {@link GlobalVertxTracing}.
 *
 * <p>Bridging to Reactor, the only helpers users need: inside a Vert.x handler, {@code
 * mono.contextWrite(VertxTracing.reactorContext())} makes the request span the parent of a Reactor pipeline; from a
 * Reactor pipeline, {@code VertxTracing.mono(vertx, () -> client.get(…).send())} makes the pipeline's span the parent
 * of a Vert.x client call.
 *
 * <p>Immutable and thread-safe.
 */
public class VertxTracing implements VertxTracerFactory {
  private final HttpTracing http;
  private final DbTracing db;
  private final HttpServerHandler<HttpServerRequest, HttpServerResponse> server;
  private final HttpClientHandler<VertxClientAdapter.Outgoing, Map<String, String>> client;

  VertxTracing(HttpTracing http, DbTracing db) {
    this.http = Objects.requireNonNull(http, "http");
    this.db = Objects.requireNonNull(db, "db");
    this.server = http.serverHandler(VertxServerAdapter.INSTANCE);
    this.client = http.clientHandler(VertxClientAdapter.INSTANCE);
  }

  /** Vert.x tracing with the default HTTP and database settings ({@link HttpTracing}, {@link DbTracing}). */
  public static VertxTracing create(Tracer tracer) {
    return create(HttpTracing.create(tracer), DbTracing.create(tracer));
  }

  /**
   * Vert.x tracing with the given settings: the same {@link HttpTracing} and {@link DbTracing} objects the
   * application's other integrations use, so that every HTTP and SQL span follows the same rules.
   */
  public static VertxTracing create(HttpTracing http, DbTracing db) {
    return new VertxTracing(http, db);
  }

  @Override
  public VertxTracer<?, ?> tracer(@Nullable TracingOptions options) {
    return new WeftVertxTracer(server, client, db);
  }

  /**
   * {@code handler}, answering every request with a W3C {@code traceresponse} header naming its span when {@link
   * HttpTracing#traceResponse()} is on (else {@code handler} itself): {@code
   * server.requestHandler(tracing.handler(router))}. Vert.x creates a request's response only after its tracer has
   * seen the request, so the tracer cannot add the header by itself.
   */
  public Handler<HttpServerRequest> handler(Handler<HttpServerRequest> handler) {
    Objects.requireNonNull(handler, "handler");
    if (!http.traceResponse()) {
      return handler;
    }
    return request -> {
      try {
        String value = server.traceResponse(currentSpan());
        if (value != null) {
          request.response().putHeader(W3CTraceContext.TRACERESPONSE, value);
        }
      } catch (RuntimeException | LinkageError e) {
        http.failed("writing traceresponse", e);
      }
      handler.handle(request);
    };
  }

  /** How many times tracing itself failed, HTTP and SQL together (the call then ran untraced). */
  public long failures() {
    return http.failures() + db.failures();
  }

  /** The span of the Vert.x request being handled on the current Vert.x context, or {@link Span#invalid()}. */
  public static Span currentSpan() {
    Context context = Vertx.currentContext();
    Span span = context == null ? null : WeftVertxTracer.ACTIVE.get(context);
    return span != null ? span : Span.invalid();
  }

  /**
   * A Reactor context carrying {@link #currentSpan()}: {@code mono.contextWrite(VertxTracing.reactorContext())} in a
   * Vert.x handler makes the request's span the parent of the pipeline's spans.
   */
  public static reactor.util.context.Context reactorContext() {
    Span span = currentSpan();
    return span.context().isValid() ? reactor.util.context.Context.of(ContextKeys.SPAN, span)
        : reactor.util.context.Context.empty();
  }

  /**
   * A Vert.x call as a {@code Mono}, made on a Vert.x context whose current span is the subscriber's (from its
   * Reactor context, else the thread-local current span), so that the HTTP or SQL client span it produces is a child
   * of the pipeline's span. The call runs on an event loop of {@code vertx}.
   */
  public static <T> Mono<T> mono(Vertx vertx, Supplier<Future<T>> call) {
    Objects.requireNonNull(call, "call");
    return Mono.deferContextual(view -> {
      Span span = Span.fromContext(view);
      if (!span.context().isValid()) {
        span = Span.current();
      }
      return Mono.fromCompletionStage(call(vertx, span, call).toCompletionStage());
    });
  }

  /** Runs {@code call} on a fresh duplicate of a {@code vertx} context whose current span is {@code span}. */
  public static <T> Future<T> call(Vertx vertx, Span span, Supplier<Future<T>> call) {
    ContextInternal context = ((ContextInternal) vertx.getOrCreateContext()).duplicate();
    if (span.context().isValid()) {
      WeftVertxTracer.ACTIVE.put(context, span);
    }
    Promise<T> promise = Promise.promise();
    context.runOnContext(ignored -> {
      try {
        call.get().onComplete(result -> {
          if (result.succeeded()) {
            promise.tryComplete(result.result());
          } else {
            promise.tryFail(result.cause());
          }
        });
      } catch (RuntimeException e) {
        promise.tryFail(e);
      }
    });
    return promise.future();
  }
}
