package io.weft.endpoint;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The fields of an item the viewer's queries read (when, how long, how it ended, who and what), taken while the
 * envelope is validated, so that listing, grouping and mapping 100,000 items never parses a stored envelope again.
 *
 * @param time the envelope's {@code time}, as sent
 * @param start when it started, in epoch milliseconds with sub-millisecond precision; NaN when {@code time} is
 *     unreadable
 * @param durationMs its duration in milliseconds; NaN for items without one (exceptions, messages)
 * @param success whether it succeeded; null when the item does not say
 * @param resultCode {@code responseCode} of a request, {@code resultCode} of a dependency
 * @param name {@code baseData.name}
 * @param role the {@code ai.cloud.role} tag
 * @param dependencyType a dependency's {@code type} ({@code Http}, {@code SQL}, {@code postgresql}…)
 * @param target a dependency's {@code target}
 * @param data a request's URL, a dependency's command (URL, sanitized SQL…), a message's text, or an exception's
 *     message
 * @param exceptionType an exception's outermost {@code typeName}
 */
record ItemSummary(@Nullable String time, double start, double durationMs, @Nullable Boolean success, @Nullable String resultCode,
    @Nullable String name, @Nullable String role, @Nullable String dependencyType, @Nullable String target,
    @Nullable String data, @Nullable String exceptionType) {

  static final ItemSummary NONE = new ItemSummary(null, Double.NaN, Double.NaN, null, null, null, null, null, null, null,
      null);

  /** A request or dependency that failed. */
  boolean failed() {
    return Boolean.FALSE.equals(success);
  }

  /** The end, in epoch milliseconds (the start for items without a duration). */
  double end() {
    return Double.isNaN(durationMs) ? start : start + durationMs;
  }

  /** Reads the summary of a validated envelope of {@code baseType} from the fields validation collected. */
  static ItemSummary of(@Nullable Object time, @Nullable String role, String baseType, Map<String, Object> base) {
    String data = switch (baseType) {
      case "RequestData" -> text(base.get("url"));
      case "RemoteDependencyData" -> text(base.get("data"));
      case "MessageData" -> text(base.get("message"));
      case "ExceptionData" -> outermost(base, "message");
      default -> null;
    };
    Object success = base.get("success");
    return new ItemSummary(text(time), epochMillis(time), millis(base.get("duration")),
        success instanceof Boolean ? (Boolean) success : null,
        text(base.get(baseType.equals("RequestData") ? "responseCode" : "resultCode")),
        text(base.get("name")), role, text(base.get("type")), text(base.get("target")), data,
        baseType.equals("ExceptionData") ? outermost(base, "typeName") : null);
  }

  /** {@code yyyy-MM-ddTHH:mm:ss[.fffffff]Z} in epoch milliseconds, keeping the sub-millisecond digits; else NaN. */
  static double epochMillis(@Nullable Object time) {
    if (!(time instanceof String)) {
      return Double.NaN;
    }
    try {
      Instant instant = Instant.parse((String) time);
      return instant.getEpochSecond() * 1000.0 + instant.getNano() / 1_000_000.0;
    } catch (DateTimeParseException e) {
      return Double.NaN;
    }
  }

  /** {@code [d.]hh:mm:ss[.fffffff]} in milliseconds; NaN when absent or unreadable. */
  static double millis(@Nullable Object duration) {
    if (!(duration instanceof String) || !EnvelopeValidator.isDuration((String) duration)) {
      return Double.NaN;
    }
    String text = (String) duration;
    int colon = text.indexOf(':');
    String hoursPart = text.substring(0, colon);
    int dot = hoursPart.indexOf('.');
    long days = dot < 0 ? 0 : Long.parseLong(hoursPart.substring(0, dot));
    long hours = Long.parseLong(dot < 0 ? hoursPart : hoursPart.substring(dot + 1));
    long minutes = Long.parseLong(text.substring(colon + 1, colon + 3));
    String secondsPart = text.substring(colon + 4);
    double seconds = Double.parseDouble(secondsPart);
    return ((days * 24 + hours) * 60 + minutes) * 60_000.0 + seconds * 1000.0;
  }

  private static @Nullable String outermost(Map<String, Object> base, String field) {
    Object exceptions = base.get("exceptions");
    if (exceptions instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Map<?, ?> first) {
      return text(first.get(field));
    }
    return null;
  }

  private static @Nullable String text(@Nullable Object value) {
    return value instanceof String ? (String) value : null;
  }
}
