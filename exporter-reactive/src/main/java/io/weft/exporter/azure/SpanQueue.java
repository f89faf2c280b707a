package io.weft.exporter.azure;

import io.weft.core.export.SpanData;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import reactor.util.concurrent.Queues;

/**
 * The admission stage: ended spans wait here for the worker, bounded by count. {@link #offer} never blocks, never
 * takes a lock and never measures bytes: one atomic add on the size, one lock-free link into the queue.
 *
 * <p>It also counts what it was given: every span offered is queued, taken by the consumer, or refused (full, or
 * refused by the caller through {@link #refuse()}), so {@link #handedOver()} is derived without a counter on the
 * producer's path.
 *
 * <p>Threading: {@link #offer} and {@link #refuse} from any thread; {@link #poll} from one consumer at a time.
 */
final class SpanQueue {
  private final Queue<SpanData> queue = Queues.<SpanData>unboundedMultiproducer().get();
  private final AtomicInteger size = new AtomicInteger();
  private final LongAdder refused = new LongAdder();
  // Written by the one consumer only: an ordered store, no atomic read-modify-write per span.
  private volatile long taken;
  private static final AtomicLongFieldUpdater<SpanQueue> TAKEN =
      AtomicLongFieldUpdater.newUpdater(SpanQueue.class, "taken");
  private final int capacity;

  SpanQueue(int capacity) {
    this.capacity = capacity;
  }

  /**
   * Queues {@code span} and returns the queue's size with it, or -1 (counted as refused) when the queue is full.
   * Never blocks.
   */
  int offer(SpanData span) {
    int newSize = size.incrementAndGet();
    if (newSize > capacity) {
      refused.increment(); // before the size goes back down: a reader never misses the hand-over
      size.decrementAndGet();
      return -1;
    }
    queue.offer(span);
    return newSize;
  }

  /** Counts a span refused by the caller (after shutdown, say) as handed over. */
  void refuse() {
    refused.increment();
  }

  /** The oldest span, or null. One consumer at a time. */
  @Nullable SpanData poll() {
    SpanData span = queue.poll();
    if (span != null) {
      TAKEN.lazySet(this, taken + 1); // before the size goes down, as above
      size.decrementAndGet();
    }
    return span;
  }

  /** Spans queued now (a span being offered may be counted an instant before it can be polled). */
  int size() {
    return size.get();
  }

  /** Every span offered or refused so far. */
  long handedOver() {
    // The size first: a span moving on meanwhile is then counted twice for an instant, never missed.
    long queued = size.get();
    return queued + taken + refused.sum();
  }
}
