package io.weft.endpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

/** The fields of an item the viewer shows in lists and waterfalls, written the same way by every query. */
final class ItemJson {
  private ItemJson() {}

  /** Writes {@code item}'s identity and summary fields into {@code out}; missing values are JSON nulls. */
  static ObjectNode write(TelemetryItem item, ObjectNode out) {
    ItemSummary summary = item.summary();
    out.put("type", item.type());
    out.put("id", item.id());
    out.put("parentId", item.parentId());
    out.put("operationId", item.operationId());
    out.put("name", summary.name());
    out.put("role", summary.role());
    out.put("time", summary.time());
    number(out, "start", summary.start());
    number(out, "durationMs", summary.durationMs());
    bool(out, "success", summary.success());
    out.put("resultCode", summary.resultCode());
    out.put("dependencyType", summary.dependencyType());
    out.put("target", summary.target());
    out.put("data", summary.data());
    out.put("exceptionType", summary.exceptionType());
    return out;
  }

  /** A boolean, or null when unknown. */
  static void bool(ObjectNode out, String field, @Nullable Boolean value) {
    if (value == null) {
      out.putNull(field);
    } else {
      out.put(field, value.booleanValue());
    }
  }

  /** A number rounded to microseconds (enough for any duration the service keeps), or null for NaN. */
  static void number(ObjectNode out, String field, double value) {
    if (Double.isNaN(value)) {
      out.putNull(field);
    } else {
      out.put(field, Math.round(value * 1000.0) / 1000.0);
    }
  }
}
