package io.weft.core.sampler;

import io.weft.core.SpanContext;
import io.weft.core.SpanKind;
import org.jspecify.annotations.Nullable;

/** Keeps a trace when its Application Insights sampling score is below the percentage. */
final class ProbabilitySampler implements Sampler {
  private final double percentage;

  ProbabilitySampler(double percentage) {
    this.percentage = percentage;
  }

  @Override
  public boolean shouldSample(
      @Nullable SpanContext parent, long traceIdHigh, long traceIdLow, String name, SpanKind kind) {
    if (percentage >= 100.0) {
      return true;
    }
    if (percentage <= 0.0) {
      return false;
    }
    return SamplingScore.score(traceIdHigh, traceIdLow) < percentage;
  }

  @Override
  public double samplingPercentage() {
    return percentage;
  }

  @Override
  public String description() {
    return "Probability{" + percentage + "%}";
  }
}
