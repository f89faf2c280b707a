package io.weft.endpoint;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jspecify.annotations.Nullable;

/**
 * Programmable misbehaviour for tests: each track request takes the next queued fault, in order; when none is
 * queued, a configured random failure may strike; otherwise the endpoint answers normally.
 *
 * <pre>{@code
 * endpoint.faults()
 *     .respond(503, Duration.ofSeconds(2))        // 503 with Retry-After: 2
 *     .partialSuccess(Map.of(0, 429, 3, 400))     // 206: item 0 retryable, item 3 rejected
 *     .redirect(308, otherEndpoint.url())         // permanent redirect
 *     .respondRaw(206, "<html>bad gateway</html>")   // an answer no client can trust
 *     .resetConnection();                         // TCP reset while the request is in flight
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class Faults {

  /** One planned fault. */
  sealed interface Fault {}

  /** Answer {@code status} with a TrackResponse rejecting every item, and optionally a Retry-After header. */
  record Status(int status, @Nullable String retryAfter) implements Fault {}

  /** Accept every valid item except {@code failed} (index → per-item status). */
  record Partial(Map<Integer, Integer> failed) implements Fault {}

  /** Answer {@code status} (307/308) with {@code Location}. */
  record Redirect(int status, String location) implements Fault {}

  /** Reset the TCP connection (RST) without answering. */
  record Reset() implements Fault {}

  /** Answer normally, after {@code delay}. */
  record Delay(Duration delay) implements Fault {}

  /** Answer {@code status} with exactly {@code body}, storing nothing: a broken or lying service. */
  record Raw(int status, String body) implements Fault {}

  private final ConcurrentLinkedQueue<Fault> planned = new ConcurrentLinkedQueue<>();
  private final Object randomLock = new Object();
  private @Nullable Random random; // guarded by randomLock
  private double probability; // guarded by randomLock
  private int randomStatus; // guarded by randomLock

  Faults() {}

  /**
   * The next request is answered with {@code status} and exactly {@code body} (say a 206 whose body is not JSON, or
   * whose counts do not add up); none of its items is stored, whatever the body claims.
   */
  public Faults respondRaw(int status, String body) {
    return add(new Raw(checkStatus(status), Objects.requireNonNull(body, "body")));
  }

  /** The next request is answered with {@code status} and a TrackResponse rejecting every item with it. */
  public Faults respond(int status) {
    return add(new Status(checkStatus(status), null));
  }

  /** As {@link #respond(int)}, with {@code Retry-After} in seconds. */
  public Faults respond(int status, Duration retryAfter) {
    return add(new Status(checkStatus(status), Long.toString(retryAfter.toSeconds())));
  }

  /** As {@link #respond(int)}, with {@code Retry-After} as an HTTP-date. */
  public Faults respond(int status, ZonedDateTime retryAt) {
    return add(new Status(checkStatus(status), DateTimeFormatter.RFC_1123_DATE_TIME.format(retryAt)));
  }

  /**
   * The next request is a 206: every valid item is accepted except those at the given indices, which get the
   * given per-item status codes ({@code 206} with message "Telemetry sampled out." counts as accepted by
   * clients; use {@link #sampledOut} for that).
   */
  public Faults partialSuccess(Map<Integer, Integer> failedIndexToStatus) {
    return add(new Partial(Map.copyOf(failedIndexToStatus)));
  }

  /** The per-item status that {@link #partialSuccess} turns into the service's "Telemetry sampled out." error. */
  public static final int SAMPLED_OUT = 206;

  /** A convenience for {@code partialSuccess(Map.of(index, SAMPLED_OUT))}. */
  public Faults sampledOut(int index) {
    return partialSuccess(Map.of(index, SAMPLED_OUT));
  }

  /** The next request is redirected: {@code status} 307 or 308 to {@code location}. */
  public Faults redirect(int status, String location) {
    if (status != 307 && status != 308) {
      throw new IllegalArgumentException("redirect status must be 307 or 308: " + status);
    }
    return add(new Redirect(status, Objects.requireNonNull(location, "location")));
  }

  /** The next request's connection is reset (TCP RST) before any answer. */
  public Faults resetConnection() {
    return add(new Reset());
  }

  /** The next request is answered normally, after {@code delay}. */
  public Faults delay(Duration delay) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative: " + delay);
    }
    return add(new Delay(delay));
  }

  /**
   * When no fault is queued, each request fails with {@code status} with {@code probability}, drawn from a random
   * sequence seeded with {@code seed} (so a test run is reproducible). Probability 0 turns it off.
   */
  public Faults failRandomly(double probability, long seed, int status) {
    if (!(probability >= 0 && probability <= 1)) {
      throw new IllegalArgumentException("probability must be within [0, 1]: " + probability);
    }
    synchronized (randomLock) {
      this.random = probability == 0 ? null : new Random(seed);
      this.probability = probability;
      this.randomStatus = checkStatus(status);
    }
    return this;
  }

  /** Forgets queued faults and random failure. */
  public void clear() {
    planned.clear();
    failRandomly(0, 0, 500);
  }

  /** Faults queued and not yet used. */
  public int pending() {
    return planned.size();
  }

  private Faults add(Fault fault) {
    planned.add(fault);
    return this;
  }

  private static int checkStatus(int status) {
    if (status < 200 || status > 599) {
      throw new IllegalArgumentException("status must be an HTTP status code: " + status);
    }
    return status;
  }

  /** The fault for the request arriving now, or null. */
  @Nullable Fault next() {
    Fault fault = planned.poll();
    if (fault != null) {
      return fault;
    }
    synchronized (randomLock) {
      if (random != null && random.nextDouble() < probability) {
        return new Status(randomStatus, null);
      }
    }
    return null;
  }
}
