package io.weft.exporter.azure;

import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Where the exporter's stages run and what time and chance they see: the serial worker, the compressing threads,
 * the disk threads, a monotonic clock for deadlines, the wall clock for {@code Retry-After} dates and file ages,
 * and the random source of the backoff jitter. Tests swap in a virtual-time scheduler and fixed clocks.
 *
 * @param worker the one serial worker's scheduler (disposed with the exporter)
 * @param compressor where batches are compressed and posted (CPU work)
 * @param io where file I/O runs (may block)
 */
record ExporterThreads(Scheduler worker, Scheduler compressor, Scheduler io, LongSupplier nanoTime, Clock clock,
    RandomGenerator random) {

  /** The real ones: a daemon single thread, the parallel and bounded-elastic schedulers, the system clocks. */
  static ExporterThreads real() {
    return new ExporterThreads(Schedulers.newSingle("weft-exporter", true), Schedulers.parallel(),
        Schedulers.boundedElastic(), System::nanoTime, Clock.systemUTC(), new RandomGenerator() {
          @Override
          public long nextLong() {
            return ThreadLocalRandom.current().nextLong(); // the calling thread's own generator
          }
        });
  }
}
