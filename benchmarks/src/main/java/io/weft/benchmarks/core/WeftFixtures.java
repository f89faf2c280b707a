package io.weft.benchmarks.core;

import io.weft.core.Tracer;
import io.weft.core.export.SpanExporter;
import io.weft.core.sampler.Sampler;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/** The Weft side of the benchmarks: a tracer with a no-op exporter and the span operator every benchmark applies. */
final class WeftFixtures {

  /**
   * Accepts every span and does nothing with it, so a benchmark measures the span up to the point where it is
   * handed to the exporter, and nothing after.
   */
  static final SpanExporter NOOP_EXPORTER = span -> {};

  private WeftFixtures() {}

  /** A tracer with the given root sampler (parent-based, the default) that exports to {@link #NOOP_EXPORTER}. */
  static Tracer tracer(Sampler sampler) {
    return Tracer.builder().serviceName("bench").sampler(sampler).exporter(NOOP_EXPORTER).build();
  }

  /**
   * The span every benchmark measures: {@code work} with four attributes, one of each type. The operator is built
   * once and applied to a new pipeline in each operation, as an application does with a shared operator.
   */
  static <T> Function<Mono<T>, Mono<T>> workSpan(Tracer tracer) {
    return tracer.spanBuilder("work")
        .attribute("a", 1L)
        .attribute("b", "x")
        .attribute("c", true)
        .attribute("d", 2.0)
        .mono();
  }

  /** Fails the trial with {@code message} unless {@code condition} holds: for set-up checks, never in a benchmark. */
  static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }
}
