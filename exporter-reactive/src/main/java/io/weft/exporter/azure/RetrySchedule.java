package io.weft.exporter.azure;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * When a failed request is tried again: exponential backoff with full jitter, capped, unless the service said when
 * ({@code Retry-After}, honoured up to the cap); after {@code maxRetries} retries a batch is left to the disk (or
 * dropped when persistence is off).
 *
 * <p>A pure function of its inputs: the random source and the current time are arguments, so it is tested without
 * the wall clock. Immutable and thread-safe.
 *
 * @param initial the bound of the first delay
 * @param max the bound of every delay, {@code Retry-After} included
 * @param maxRetries retries of one batch before it is given up in memory
 */
record RetrySchedule(Duration initial, Duration max, int maxRetries) {

  /** Whether a batch that has failed {@code attempts} times has used up its retries. */
  boolean exhausted(int attempts) {
    return attempts > maxRetries;
  }

  /**
   * The wait before attempt {@code attempt + 1}, after {@code attempt} failures (1 for the first): {@code
   * retryAfter} capped at {@link #max} when given, else uniform in {@code [0, min(max, initial * 2^(attempt-1))]}.
   */
  Duration delay(int attempt, @Nullable Duration retryAfter, RandomGenerator random) {
    if (retryAfter != null) {
      return retryAfter.compareTo(max) > 0 ? max : retryAfter;
    }
    long bound = Math.min(max.toNanos(), initial.toNanos() << Math.min(30, Math.max(0, attempt - 1)));
    return Duration.ofNanos(random.nextLong(Math.max(1, bound) + 1));
  }

  /**
   * A {@code Retry-After} value: delay-seconds or an HTTP-date (a date in the past is a zero wait); null when
   * absent or unreadable.
   */
  static @Nullable Duration parseRetryAfter(@Nullable String value, Instant now) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String trimmed = value.trim();
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(trimmed)));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
      } catch (RuntimeException notADate) {
        return null;
      }
    }
  }
}
