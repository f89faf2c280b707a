package io.weft.core.export;

import reactor.core.publisher.Mono;

/**
 * Receives ended, sampled spans.
 *
 * <p><b>Threading:</b> {@link #export} is called on the thread that ended the span, often a Reactor or Netty event
 * loop. It must not block, must not do I/O and should return quickly: queue the span and do the work elsewhere
 * (the exporter decides how to buffer, and counts what it drops). It may be called concurrently from many threads.
 *
 * <p><b>Errors:</b> the tracer catches anything {@code export} throws, counts it in {@code
 * TracerStats.exporterFailures()} and logs the first one; the traced application is never affected. Still, a
 * well-behaved exporter does not throw.
 */
public interface SpanExporter {

  /** Takes one ended span. Never blocks. */
  void export(SpanData span);

  /** Delivers what is buffered; completes when done. The default has nothing to flush. */
  default Mono<Void> flush() {
    return Mono.empty();
  }

  /** Flushes, then releases resources; later {@link #export} calls are dropped (and counted by the exporter). */
  default Mono<Void> shutdown() {
    return flush();
  }
}
