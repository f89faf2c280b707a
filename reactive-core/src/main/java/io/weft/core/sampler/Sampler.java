package io.weft.core.sampler;

import io.weft.core.SpanContext;
import io.weft.core.SpanKind;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a new span is recorded and exported. Unsampled spans still get ids and propagate, so downstream
 * services make the same decision.
 *
 * <p>Called on the thread that starts the span, often an event loop: implementations must be thread-safe, must not
 * block and should not allocate. An exception thrown here is caught, counted and the span is treated as unsampled.
 */
public interface Sampler {

  /**
   * Whether to record the span.
   *
   * @param parent the parent's context (local or remote), or null for a new trace
   * @param traceIdHigh high half of the span's trace id
   * @param traceIdLow low half of the span's trace id
   * @param name the span name
   * @param kind the span kind
   */
  boolean shouldSample(
      @Nullable SpanContext parent, long traceIdHigh, long traceIdLow, String name, SpanKind kind);

  /**
   * The percentage of traces this sampler keeps, 100 when unknown: exported items carry it as Application
   * Insights' {@code sampleRate}, so counts in the portal are scaled back up.
   */
  default double samplingPercentage() {
    return 100.0;
  }

  /**
   * Whether a span under an unsampled parent is always unsampled (true for {@link #parentBased}). Span operators use
   * it to skip creating spans nobody will record.
   */
  default boolean followsUnsampledParent() {
    return false;
  }

  /** A short description, e.g. {@code ParentBased{Probability{25.0%}}}. */
  default String description() {
    return getClass().getSimpleName();
  }

  /** Records every trace. */
  static Sampler alwaysOn() {
    return ConstantSampler.ALWAYS_ON;
  }

  /** Records nothing; context still propagates. */
  static Sampler alwaysOff() {
    return ConstantSampler.ALWAYS_OFF;
  }

  /**
   * Keeps a fraction {@code probability} (0 ≤ p ≤ 1) of traces, decided from the trace id with Application Insights'
   * sampling score, so every service and every Microsoft SDK sampling the same percentage keeps the same traces.
   *
   * @throws IllegalArgumentException if {@code probability} is not within [0, 1]
   */
  static Sampler probability(double probability) {
    if (!(probability >= 0.0 && probability <= 1.0)) {
      throw new IllegalArgumentException("probability must be within [0, 1]: " + probability);
    }
    return new ProbabilitySampler(probability * 100.0);
  }

  /**
   * Keeps {@code percentage} percent (0–100) of traces, as {@code APPLICATIONINSIGHTS_SAMPLING_PERCENTAGE}.
   *
   * @throws IllegalArgumentException if {@code percentage} is not within [0, 100]
   */
  static Sampler percentage(double percentage) {
    if (!(percentage >= 0.0 && percentage <= 100.0)) {
      throw new IllegalArgumentException("sampling percentage must be within [0, 100]: " + percentage);
    }
    return new ProbabilitySampler(percentage);
  }

  /**
   * Starts at most {@code tracesPerSecond} new traces per second (a token bucket; never blocks). Spans exported
   * under it report a sampling percentage of 100, since the kept fraction is not known in advance.
   *
   * @throws IllegalArgumentException if {@code tracesPerSecond} is negative or not finite
   */
  static Sampler rateLimited(double tracesPerSecond) {
    if (!(tracesPerSecond >= 0.0) || Double.isInfinite(tracesPerSecond)) {
      throw new IllegalArgumentException("tracesPerSecond must be a finite number >= 0: " + tracesPerSecond);
    }
    return new RateLimitingSampler(tracesPerSecond, System::nanoTime);
  }

  /**
   * Follows the parent's sampled flag (local or remote) and asks {@code root} only for new traces. Tracers wrap
   * their sampler in this by default.
   */
  static Sampler parentBased(Sampler root) {
    if (root instanceof ParentBasedSampler) {
      return root;
    }
    return new ParentBasedSampler(root);
  }
}
