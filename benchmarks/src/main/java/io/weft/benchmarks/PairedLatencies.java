package io.weft.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The summed latencies of each side of a paired benchmark (one untraced and one traced operation per invocation,
 * alternating which goes first), reset every iteration: JMH reports them as the auxiliary counters {@code
 * untracedNanos} and {@code tracedNanos}, whose ratio is the added latency.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class PairedLatencies {
  public long untracedNanos;
  public long tracedNanos;

  @Setup(Level.Iteration)
  public void reset() {
    untracedNanos = 0;
    tracedNanos = 0;
  }
}
