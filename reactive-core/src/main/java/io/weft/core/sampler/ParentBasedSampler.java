package io.weft.core.sampler;

import io.weft.core.SpanContext;
import io.weft.core.SpanKind;
import org.jspecify.annotations.Nullable;

/** A child follows its parent's sampled flag; new traces ask the root sampler. */
final class ParentBasedSampler implements Sampler {
  private final Sampler root;

  ParentBasedSampler(Sampler root) {
    this.root = root;
  }

  @Override
  public boolean shouldSample(
      @Nullable SpanContext parent, long traceIdHigh, long traceIdLow, String name, SpanKind kind) {
    if (parent != null && parent.isValid()) {
      return parent.isSampled();
    }
    return root.shouldSample(null, traceIdHigh, traceIdLow, name, kind);
  }

  @Override
  public double samplingPercentage() {
    return root.samplingPercentage();
  }

  @Override
  public boolean followsUnsampledParent() {
    return true;
  }

  @Override
  public String description() {
    return "ParentBased{" + root.description() + "}";
  }
}
