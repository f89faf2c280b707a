package io.weft.core;

import io.weft.core.internal.Hex;
import org.jspecify.annotations.Nullable;

/**
 * The part of a span that crosses process boundaries: trace id (128 bit), span id (64 bit), the sampled flag and the
 * opaque W3C {@code tracestate}.
 *
 * <p>Immutable and thread-safe. Hex forms are computed on first use and cached; ids are never all zero in a valid
 * context.
 */
public final class SpanContext {
  /** The context of "no span": all-zero ids, unsampled. {@link #isValid()} is false. */
  public static final SpanContext INVALID = new SpanContext(0, 0, 0, false, null, false);

  private final long traceIdHigh;
  private final long traceIdLow;
  private final long spanId;
  private final boolean sampled;
  private final @Nullable String traceState;
  private final boolean remote;
  // Lazily formatted; a benign race at worst formats twice.
  private @Nullable String traceIdHex;
  private @Nullable String spanIdHex;

  SpanContext(
      long traceIdHigh,
      long traceIdLow,
      long spanId,
      boolean sampled,
      @Nullable String traceState,
      boolean remote) {
    this.traceIdHigh = traceIdHigh;
    this.traceIdLow = traceIdLow;
    this.spanId = spanId;
    this.sampled = sampled;
    this.traceState = traceState;
    this.remote = remote;
  }

  /**
   * A context received from another process, as W3C propagation extracts it. Returns {@link #INVALID} when either
   * id is all zero.
   */
  public static SpanContext createRemote(
      long traceIdHigh, long traceIdLow, long spanId, boolean sampled, @Nullable String traceState) {
    if ((traceIdHigh == 0 && traceIdLow == 0) || spanId == 0) {
      return INVALID;
    }
    return new SpanContext(traceIdHigh, traceIdLow, spanId, sampled, traceState, true);
  }

  /** The high 64 bits of the trace id. */
  public long traceIdHigh() {
    return traceIdHigh;
  }

  /** The low 64 bits of the trace id. */
  public long traceIdLow() {
    return traceIdLow;
  }

  /** The span id as a number. */
  public long spanIdLong() {
    return spanId;
  }

  /** The trace id as 32 lowercase hex characters (Application Insights' {@code ai.operation.id}). */
  public String traceId() {
    String hex = traceIdHex;
    if (hex == null) {
      hex = Hex.toHex(traceIdHigh, traceIdLow);
      traceIdHex = hex;
    }
    return hex;
  }

  /** The span id as 16 lowercase hex characters. */
  public String spanId() {
    String hex = spanIdHex;
    if (hex == null) {
      hex = Hex.toHex(spanId);
      spanIdHex = hex;
    }
    return hex;
  }

  /** Whether the trace is sampled (W3C flag {@code 01}). */
  public boolean isSampled() {
    return sampled;
  }

  /** The W3C {@code tracestate} to propagate unchanged, or null when there is none. */
  public @Nullable String traceState() {
    return traceState;
  }

  /** Whether this context was extracted from another process. */
  public boolean isRemote() {
    return remote;
  }

  /** Whether the ids are non-zero. */
  public boolean isValid() {
    return spanId != 0 && (traceIdHigh != 0 || traceIdLow != 0);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof SpanContext)) {
      return false;
    }
    SpanContext that = (SpanContext) o;
    return traceIdHigh == that.traceIdHigh
        && traceIdLow == that.traceIdLow
        && spanId == that.spanId
        && sampled == that.sampled
        && remote == that.remote
        && java.util.Objects.equals(traceState, that.traceState);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(traceIdLow) * 31 + Long.hashCode(spanId);
  }

  @Override
  public String toString() {
    return "SpanContext{traceId=" + traceId() + ", spanId=" + spanId() + ", sampled=" + sampled
        + (remote ? ", remote" : "") + (traceState != null ? ", tracestate=" + traceState : "") + "}";
  }
}
