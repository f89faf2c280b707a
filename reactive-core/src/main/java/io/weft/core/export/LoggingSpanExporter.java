package io.weft.core.export;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Logs each span at INFO on logger {@code io.weft.spans}, one line per span. For development and debugging.
 *
 * <p>{@link #export} only queues the span (bounded, lock-free) and the lines are written on {@link
 * Schedulers#boundedElastic()}, because logging backends write to files and consoles, which must never happen on an
 * event loop. When more than {@code capacity} spans wait, new ones are dropped and counted ({@link #dropped()}).
 */
public final class LoggingSpanExporter implements SpanExporter {
  private static final Logger spanLogger = LoggerFactory.getLogger("io.weft.spans");
  private static final int DEFAULT_CAPACITY = 2048;

  private final Queue<SpanData> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger wip = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final int capacity;
  private final Scheduler scheduler;

  private LoggingSpanExporter(int capacity, Scheduler scheduler) {
    this.capacity = capacity;
    this.scheduler = scheduler;
  }

  /** Logs on bounded-elastic, queueing at most 2,048 spans. */
  public static LoggingSpanExporter create() {
    return new LoggingSpanExporter(DEFAULT_CAPACITY, Schedulers.boundedElastic());
  }

  /**
   * Logs on {@code scheduler}, queueing at most {@code capacity} spans.
   *
   * @throws IllegalArgumentException if {@code capacity} is not positive
   */
  public static LoggingSpanExporter create(int capacity, Scheduler scheduler) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    return new LoggingSpanExporter(capacity, scheduler);
  }

  @Override
  public void export(SpanData span) {
    if (queued.incrementAndGet() > capacity) {
      queued.decrementAndGet();
      dropped.incrementAndGet();
      return;
    }
    queue.offer(span);
    if (wip.getAndIncrement() == 0) {
      try {
        scheduler.schedule(this::drain);
      } catch (RuntimeException rejected) {
        // The scheduler is gone (disposed): count what is queued as dropped and let the next span try again,
        // instead of leaving the drain flag set forever.
        SpanData left;
        while ((left = queue.poll()) != null) {
          queued.decrementAndGet();
          dropped.incrementAndGet();
        }
        wip.set(0);
      }
    }
  }

  private void drain() {
    int missed = 1;
    do {
      SpanData span;
      while ((span = queue.poll()) != null) {
        queued.decrementAndGet();
        log(span);
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  private static void log(SpanData span) {
    try {
      spanLogger.info("{} {} trace={} span={} parent={} duration={}µs status={} attributes={}{}",
          span.kind(), span.name(), span.traceId(), span.spanId(), span.parentSpanId(),
          span.durationNanos() / 1000, span.status(), span.attributes(),
          span.exception() != null ? " exception=" + span.exception() : "");
    } catch (RuntimeException | LinkageError e) {
      // A broken logging backend must not stop the drain loop.
    }
  }

  /** Spans dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  @Override
  public Mono<Void> flush() {
    // Either drain here, or signal the running drain loop to go round once more; never block for it.
    return Mono.fromRunnable(() -> {
      if (wip.getAndIncrement() == 0) {
        drain();
      }
    }).subscribeOn(scheduler).then();
  }
}
