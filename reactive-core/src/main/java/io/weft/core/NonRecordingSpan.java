package io.weft.core;

import org.jspecify.annotations.Nullable;

/**
 * A span that only carries identity: unsampled spans, and the invalid span. Every write is a no-op, so unsampled
 * traces cost one small object per span.
 */
final class NonRecordingSpan implements Span {
  static final NonRecordingSpan INVALID = new NonRecordingSpan(SpanContext.INVALID);

  private final SpanContext context;

  NonRecordingSpan(SpanContext context) {
    this.context = context;
  }

  @Override
  public SpanContext context() {
    return context;
  }

  @Override
  public boolean isRecording() {
    return false;
  }

  @Override
  public Span setAttribute(String key, @Nullable String value) {
    return this;
  }

  @Override
  public Span setAttribute(String key, long value) {
    return this;
  }

  @Override
  public Span setAttribute(String key, double value) {
    return this;
  }

  @Override
  public Span setAttribute(String key, boolean value) {
    return this;
  }

  @Override
  public Span setStatus(StatusCode status, @Nullable String description) {
    return this;
  }

  @Override
  public Span recordException(Throwable exception) {
    return this;
  }

  @Override
  public Span updateName(String name) {
    return this;
  }

  @Override
  public void end() {}

  @Override
  public void endCancelled() {}

  @Override
  public boolean isEnded() {
    return false;
  }

  @Override
  public Scope makeCurrent() {
    return new CurrentScope(this);
  }

  @Override
  public String toString() {
    return "NonRecordingSpan{" + context + "}";
  }
}
