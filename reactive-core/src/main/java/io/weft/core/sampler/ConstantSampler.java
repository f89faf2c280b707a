package io.weft.core.sampler;

import io.weft.core.SpanContext;
import io.weft.core.SpanKind;
import org.jspecify.annotations.Nullable;

/** Always or never. */
enum ConstantSampler implements Sampler {
  ALWAYS_ON(true),
  ALWAYS_OFF(false);

  private final boolean decision;

  ConstantSampler(boolean decision) {
    this.decision = decision;
  }

  @Override
  public boolean shouldSample(
      @Nullable SpanContext parent, long traceIdHigh, long traceIdLow, String name, SpanKind kind) {
    return decision;
  }

  @Override
  public double samplingPercentage() {
    return decision ? 100.0 : 0.0;
  }

  @Override
  public String description() {
    return decision ? "AlwaysOn" : "AlwaysOff";
  }
}
