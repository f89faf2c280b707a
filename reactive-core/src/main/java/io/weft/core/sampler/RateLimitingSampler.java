package io.weft.core.sampler;

import io.weft.core.SpanContext;
import io.weft.core.SpanKind;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A lock-free token bucket: one token per {@code 1 / tracesPerSecond} seconds, at most one second's worth banked.
 * The state is a single "time at which the bucket was empty" value moved forward by CAS, so a decision is one read
 * and at most a few CAS attempts; it never blocks.
 */
final class RateLimitingSampler implements Sampler {
  private static final long SECOND = 1_000_000_000L;

  private final double tracesPerSecond;
  private final long nanosPerToken;
  private final LongSupplier nanoTime;
  // The instant (nanoTime) at which the bucket would be empty; tokens = (now - emptyAt) / nanosPerToken.
  private final AtomicLong emptyAt;

  RateLimitingSampler(double tracesPerSecond, LongSupplier nanoTime) {
    this.tracesPerSecond = tracesPerSecond;
    this.nanosPerToken = tracesPerSecond > 0 ? Math.max(1L, (long) (SECOND / tracesPerSecond)) : Long.MAX_VALUE;
    this.nanoTime = nanoTime;
    // Start with a full bucket: one second's worth (at least one token).
    this.emptyAt = new AtomicLong(nanoTime.getAsLong() - capacityNanos());
  }

  private long capacityNanos() {
    return Math.max(SECOND, nanosPerToken);
  }

  @Override
  public boolean shouldSample(
      @Nullable SpanContext parent, long traceIdHigh, long traceIdLow, String name, SpanKind kind) {
    if (nanosPerToken == Long.MAX_VALUE) {
      return false;
    }
    long now = nanoTime.getAsLong();
    while (true) {
      long current = emptyAt.get();
      long floor = now - capacityNanos();
      long base = current - floor < 0 ? floor : current; // cap the banked tokens
      long next = base + nanosPerToken;
      if (next - now > 0) {
        return false;
      }
      if (emptyAt.compareAndSet(current, next)) {
        return true;
      }
    }
  }

  @Override
  public String description() {
    return "RateLimited{" + tracesPerSecond + "/s}";
  }
}
