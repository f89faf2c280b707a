package io.weft.exporter.azure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** The retry schedule is a pure function: no wall clock, no real randomness. */
class RetryScheduleTest {
  final RetrySchedule schedule = new RetrySchedule(Duration.ofSeconds(1), Duration.ofSeconds(60), 5);
  static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");

  /** A generator whose every draw is the largest the bound allows. */
  static final RandomGenerator HIGHEST = new RandomGenerator() {
    @Override
    public long nextLong() {
      return Long.MAX_VALUE;
    }

    @Override
    public long nextLong(long bound) {
      return bound - 1;
    }
  };

  @Test
  void fullJitterDoublesTheBoundPerAttemptUpToTheCap() {
    assertThat(schedule.delay(1, null, HIGHEST)).isEqualTo(Duration.ofSeconds(1));
    assertThat(schedule.delay(2, null, HIGHEST)).isEqualTo(Duration.ofSeconds(2));
    assertThat(schedule.delay(3, null, HIGHEST)).isEqualTo(Duration.ofSeconds(4));
    assertThat(schedule.delay(6, null, HIGHEST)).isEqualTo(Duration.ofSeconds(32));
    assertThat(schedule.delay(7, null, HIGHEST)).as("capped").isEqualTo(Duration.ofSeconds(60));
    assertThat(schedule.delay(200, null, HIGHEST)).as("no overflow").isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void delaysAreUniformWithinTheBound() {
    Random random = new Random(42);
    long below = 0;
    for (int i = 0; i < 10_000; i++) {
      Duration delay = schedule.delay(3, null, random);
      assertThat(delay).isBetween(Duration.ZERO, Duration.ofSeconds(4));
      if (delay.compareTo(Duration.ofSeconds(2)) < 0) {
        below++;
      }
    }
    assertThat(below).as("about half below the middle").isBetween(4_700L, 5_300L);
  }

  @Test
  void retryAfterWinsUpToTheCap() {
    assertThat(schedule.delay(1, Duration.ofSeconds(7), HIGHEST)).isEqualTo(Duration.ofSeconds(7));
    assertThat(schedule.delay(1, Duration.ofMinutes(10), HIGHEST)).isEqualTo(Duration.ofSeconds(60));
    assertThat(schedule.delay(4, Duration.ZERO, HIGHEST)).isEqualTo(Duration.ZERO);
  }

  @Test
  void exhaustedAfterMaxRetries() {
    assertThat(schedule.exhausted(5)).isFalse();
    assertThat(schedule.exhausted(6)).isTrue();
    assertThat(new RetrySchedule(Duration.ofSeconds(1), Duration.ofSeconds(1), 0).exhausted(1)).isTrue();
  }

  @Test
  void retryAfterParsing() {
    assertThat(RetrySchedule.parseRetryAfter("7", NOW)).isEqualTo(Duration.ofSeconds(7));
    assertThat(RetrySchedule.parseRetryAfter(" 12 ", NOW)).isEqualTo(Duration.ofSeconds(12));
    assertThat(RetrySchedule.parseRetryAfter("-3", NOW)).isEqualTo(Duration.ZERO);
    assertThat(RetrySchedule.parseRetryAfter("Sat, 05 Dec 2026 10:00:30 GMT", NOW)).isEqualTo(Duration.ofSeconds(30));
    assertThat(RetrySchedule.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", NOW)).isEqualTo(Duration.ZERO);
    assertThat(RetrySchedule.parseRetryAfter("soon", NOW)).isNull();
    assertThat(RetrySchedule.parseRetryAfter("", NOW)).isNull();
    assertThat(RetrySchedule.parseRetryAfter(null, NOW)).isNull();
  }
}
