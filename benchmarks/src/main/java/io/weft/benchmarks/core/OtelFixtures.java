package io.weft.benchmarks.core;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * The OpenTelemetry side of the benchmarks: an SDK set up the way the SDK's documentation does it (always-on
 * sampler, {@link BatchSpanProcessor} with default settings), and the span operator a user writes by hand to trace
 * a {@link Mono} with it.
 */
public final class OtelFixtures {

  /**
   * The Reactor context key that carries the OpenTelemetry {@link Context} down the pipeline. The application picks
   * the key; nothing registers a thread-local accessor for it.
   */
  static final String CONTEXT_KEY = "otel.context";

  private OtelFixtures() {}

  /** An SDK tracer provider that samples everything and batches spans to an exporter that drops them. */
  static SdkTracerProvider provider() {
    return SdkTracerProvider.builder()
        .setSampler(Sampler.alwaysOn())
        .addSpanProcessor(BatchSpanProcessor.builder(new CountingSpanExporter(new LongAdder())).build())
        .build();
  }

  /** The tracer the operators use. */
  static Tracer tracer(SdkTracerProvider provider) {
    return provider.get("io.weft.benchmarks");
  }

  /** Shuts {@code provider} down and waits for its batch processor's worker to stop. */
  static void shutdown(SdkTracerProvider provider) {
    provider.shutdown().join(10, TimeUnit.SECONDS);
  }

  /**
   * The hand-written OpenTelemetry idiom for one span per subscription, matching {@link WeftFixtures#workSpan}:
   * read the parent from the subscriber's context, start {@code work} with the same four attributes, make it the
   * parent of everything upstream, end it on any terminal signal or cancel.
   */
  static <T> Function<Mono<T>, Mono<T>> workSpan(Tracer tracer) {
    return source -> Mono.deferContextual(view -> {
      Context parent = view.getOrDefault(CONTEXT_KEY, Context.root());
      Span span = tracer.spanBuilder("work")
          .setParent(parent)
          .setAttribute("a", 1L)
          .setAttribute("b", "x")
          .setAttribute("c", true)
          .setAttribute("d", 2.0)
          .startSpan();
      return source
          .contextWrite(context -> context.put(CONTEXT_KEY, parent.with(span)))
          .doFinally(signal -> span.end());
    });
  }

  /**
   * Counts and drops every batch; the batch processor still queues each span and converts it to {@link SpanData}.
   * Also what {@code SpringPairedRequestBenchmark} hands Spring Boot's OpenTelemetry set-up.
   */
  public static final class CountingSpanExporter implements SpanExporter {
    private final LongAdder exported;

    public CountingSpanExporter(LongAdder exported) {
      this.exported = exported;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      exported.add(spans.size());
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
