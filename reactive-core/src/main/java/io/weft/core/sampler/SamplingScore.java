package io.weft.core.sampler;

import io.weft.core.internal.Hex;

/**
 * Application Insights' sampling score: djb2 over the operation id string, scaled to [0, 100]. Every Application
 * Insights SDK computes the same score for the same operation id, so services sampling at the same percentage keep
 * or drop whole traces together. A trace is kept when {@code score < percentage}.
 *
 * <p>The computation: the id is repeated until it has at least eight characters; {@code h = 5381}, then {@code h =
 * h * 33 + c} for each character (32-bit overflow); {@code Integer.MIN_VALUE} and {@code Integer.MAX_VALUE} become
 * {@code Integer.MAX_VALUE - 1}, any other {@code h} its absolute value; the score is {@code 100 * h /
 * Integer.MAX_VALUE}. An empty id scores 0.
 */
public final class SamplingScore {
  private static final int MIN_LENGTH = 8;

  private SamplingScore() {}

  /** The score of a trace id given as its two halves; equal to {@code score(traceIdHex)} without allocating. */
  public static double score(long traceIdHigh, long traceIdLow) {
    int hash = 5381;
    for (int shift = 60; shift >= 0; shift -= 4) {
      hash = (hash << 5) + hash + Hex.digit((int) (traceIdHigh >>> shift));
    }
    for (int shift = 60; shift >= 0; shift -= 4) {
      hash = (hash << 5) + hash + Hex.digit((int) (traceIdLow >>> shift));
    }
    return 100.0 * ((double) finish(hash) / Integer.MAX_VALUE);
  }

  /** The score of an operation id string (any length > 0). */
  public static double score(String operationId) {
    return 100.0 * ((double) hashCode(operationId) / Integer.MAX_VALUE);
  }

  /** The non-negative djb2 hash the score is made of; short ids are repeated up to at least 8 characters. */
  public static int hashCode(String input) {
    int hash = 5381;
    int length = input.length();
    if (length == 0) {
      return 0;
    }
    int total = length;
    while (total < MIN_LENGTH) {
      total += length;
    }
    for (int i = 0; i < total; i++) {
      hash = (hash << 5) + hash + input.charAt(i % length);
    }
    return finish(hash);
  }

  private static int finish(int hash) {
    if (hash == Integer.MIN_VALUE || hash == Integer.MAX_VALUE) {
      return Integer.MAX_VALUE - 1;
    }
    return Math.abs(hash);
  }
}
