package io.weft.endpoint;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** A query string's parameters, read strictly: a value that does not parse is a {@link BadQuery} (a 400). */
final class QueryParameters {
  /** A parameter with a value the query cannot use; its message names the parameter and what it accepts. */
  static final class BadQuery extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadQuery(String message) {
      super(message, null, false, false);
    }
  }

  private final Map<String, List<String>> values;

  QueryParameters(Map<String, List<String>> values) {
    this.values = values;
  }

  /** The first value of {@code name}, or null when absent or empty. */
  @Nullable String text(String name) {
    List<String> list = values.get(name);
    if (list == null || list.isEmpty() || list.get(0).isEmpty()) {
      return null;
    }
    return list.get(0);
  }

  /** An integer in {@code [min, max]}, or {@code fallback} when absent. */
  int integer(String name, int fallback, int min, int max) {
    String value = text(name);
    if (value == null) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value.trim());
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadQuery(name + " must be an integer from " + min + " to " + max + ": " + value);
  }

  /** A number of at least 0, or NaN when absent. */
  double nonNegative(String name) {
    String value = text(name);
    if (value == null) {
      return Double.NaN;
    }
    try {
      double parsed = Double.parseDouble(value.trim());
      if (parsed >= 0 && Double.isFinite(parsed)) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadQuery(name + " must be a number of at least 0: " + value);
  }

  /** {@code true} or {@code false}; false when absent. */
  boolean flag(String name) {
    String value = text(name);
    if (value == null || value.equals("false")) {
      return false;
    }
    if (value.equals("true")) {
      return true;
    }
    throw new BadQuery(name + " must be true or false: " + value);
  }
}
