package io.weft.vertx;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.spi.VertxTracerFactory;
import io.vertx.core.spi.tracing.VertxTracer;
import io.vertx.core.tracing.TracingOptions;
import io.weft.core.ContextKeys;
import io.weft.core.Span;
import io.weft.core.Tracer;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
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
  private final Tracer tracer;
  private final boolean clientErrorsFail;
  private final boolean redactQuery;
  private final boolean legacyRequestId;
  private final boolean recordQueryText;
  private final LongAdder failures = new LongAdder();

  VertxTracing(Builder builder) {
    this.tracer = builder.tracer;
    this.clientErrorsFail = builder.clientErrorsFail;
    this.redactQuery = builder.redactQuery;
    this.legacyRequestId = builder.legacyRequestId;
    this.recordQueryText = builder.recordQueryText;
  }

  /** Vert.x tracing with the defaults: 4xx are not server failures, query values redacted, SQL text sanitized. */
  public static VertxTracing create(Tracer tracer) {
    return builder(tracer).build();
  }

  public static Builder builder(Tracer tracer) {
    return new Builder(tracer);
  }

  @Override
  public VertxTracer<?, ?> tracer(@Nullable TracingOptions options) {
    return new WeftVertxTracer(this);
  }

  /** How many times tracing itself failed (the call then ran untraced). */
  public long failures() {
    return failures.sum();
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

  Tracer tracer() {
    return tracer;
  }

  boolean clientErrorsFail() {
    return clientErrorsFail;
  }

  boolean redactQueryValues() {
    return redactQuery;
  }

  boolean legacyRequestId() {
    return legacyRequestId;
  }

  boolean recordQueryText() {
    return recordQueryText;
  }

  void failed() {
    failures.increment();
  }

  /** Configures {@link VertxTracing}. */
  public static final class Builder {
    private final Tracer tracer;
    private boolean clientErrorsFail;
    private boolean redactQuery = true;
    private boolean legacyRequestId;
    private boolean recordQueryText = true;

    private Builder(Tracer tracer) {
      this.tracer = Objects.requireNonNull(tracer, "tracer");
    }

    /** Whether 4xx responses mark server requests failed (default false). */
    public Builder clientErrorsFail(boolean fail) {
      this.clientErrorsFail = fail;
      return this;
    }

    /** Whether query values in {@code url.full} are replaced by {@code REDACTED} (default true). */
    public Builder redactQueryValues(boolean redact) {
      this.redactQuery = redact;
      return this;
    }

    /** Whether HTTP client calls also carry the legacy {@code Request-Id} header (default false). */
    public Builder legacyRequestId(boolean requestId) {
      this.legacyRequestId = requestId;
      return this;
    }

    /** Whether SQL spans record {@code db.query.text}, always sanitized (default true). */
    public Builder recordQueryText(boolean record) {
      this.recordQueryText = record;
      return this;
    }

    public VertxTracing build() {
      return new VertxTracing(this);
    }
  }
}
