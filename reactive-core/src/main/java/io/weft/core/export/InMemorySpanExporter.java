package io.weft.core.export;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Records every span it is given, in order, for tests (Weft's and users'). {@link #export} is lock-free and never
 * blocks, so it is safe on event loops and under BlockHound; the waiting methods are for test threads only.
 */
public final class InMemorySpanExporter implements SpanExporter {
  private final ConcurrentLinkedQueue<SpanData> spans = new ConcurrentLinkedQueue<>();
  private final AtomicInteger count = new AtomicInteger();
  private volatile boolean shutdown;

  private InMemorySpanExporter() {}

  /** A new, empty recorder. */
  public static InMemorySpanExporter create() {
    return new InMemorySpanExporter();
  }

  @Override
  public void export(SpanData span) {
    if (shutdown) {
      return;
    }
    spans.add(span);
    count.incrementAndGet();
  }

  /** The spans recorded so far, in the order they ended. */
  public List<SpanData> spans() {
    return new ArrayList<>(spans);
  }

  /** How many spans were recorded. */
  public int size() {
    return count.get();
  }

  /**
   * Waits, on the calling (test) thread, until at least {@code expected} spans were recorded, then returns all of
   * them.
   *
   * @throws AssertionError if they did not arrive within {@code timeout}
   */
  public List<SpanData> awaitSpans(int expected, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (count.get() < expected) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("expected " + expected + " spans within " + timeout + " but got " + count.get()
            + ": " + spans());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    return spans();
  }

  /** Forgets every recorded span. */
  public void reset() {
    spans.clear();
    count.set(0);
  }

  @Override
  public reactor.core.publisher.Mono<Void> shutdown() {
    shutdown = true;
    return reactor.core.publisher.Mono.empty();
  }
}
