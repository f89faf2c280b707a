package io.weft.core.export;

import io.weft.core.Attributes;
import io.weft.core.Resource;
import io.weft.core.SpanContext;
import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import org.jspecify.annotations.Nullable;

/**
 * An ended, sampled span as exporters see it. Immutable once handed to {@link SpanExporter#export}: every read is
 * thread-safe.
 */
public interface SpanData {

  /** Trace id, span id, flags and tracestate. */
  SpanContext spanContext();

  /** The trace id, 32 lowercase hex characters. */
  default String traceId() {
    return spanContext().traceId();
  }

  /** The span id, 16 lowercase hex characters. */
  default String spanId() {
    return spanContext().spanId();
  }

  /** The parent's span id (16 hex), or null for a root span. */
  @Nullable String parentSpanId();

  /** The parent's span id as a number, 0 for a root span (lets exporters write it without a string). */
  default long parentSpanIdLong() {
    String parent = parentSpanId();
    return parent == null ? 0 : Long.parseUnsignedLong(parent, 16);
  }

  /** Whether the parent came from another process (W3C extraction). */
  boolean hasRemoteParent();

  /** The span's name, at most 1,024 characters. */
  String name();

  /** The span's kind. */
  SpanKind kind();

  /** Start time, nanoseconds since the epoch (wall clock). */
  long startEpochNanos();

  /** Duration in nanoseconds, from a monotonic clock; never negative. */
  long durationNanos();

  /** The attributes, in the order first written. */
  Attributes attributes();

  /** Attributes dropped over the per-span limit. */
  int droppedAttributesCount();

  /** The outcome. */
  StatusCode status();

  /** Why it failed, or null. */
  @Nullable String statusDescription();

  /** The recorded exception, or null. */
  @Nullable Throwable exception();

  /** Whether the span ended because its subscriber cancelled (not an error). */
  boolean cancelled();

  /**
   * The sampling percentage (0–100] in force when the trace was sampled: each exported item stands for {@code
   * 100 / samplingPercentage} items. 100 when everything is kept.
   */
  double samplingPercentage();

  /** The name of the local root span of this trace (e.g. the SERVER request span), or null if unknown. */
  @Nullable String localRootName();

  /** The kind of the local root span of this trace, or null if unknown. */
  default @Nullable SpanKind localRootKind() {
    return null;
  }

  /** Who produced the span. */
  Resource resource();
}
