package io.weft.endpoint;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /api/operations}: the latest operations, newest first, one row per root (a request whose parent did not
 * arrive here, or a dependency without a received parent: background work, or a caller that is not traced), with
 * server-side filters and paging so that the list stays quick over 100,000 stored items.
 *
 * <p>Filters: {@code role} (exact), {@code name} (substring, any case), {@code resultCode} (exact), {@code
 * failed=true}, {@code minDurationMs}, and {@code q}: a substring, any case, of any name, URL, command or target
 * of any item of the operation.
 */
final class OperationList {
  private OperationList() {}

  static ObjectNode answer(List<TelemetryItem> items, QueryParameters parameters) {
    int limit = parameters.integer("limit", 50, 1, 1000);
    int offset = parameters.integer("offset", 0, 0, Integer.MAX_VALUE);
    String role = parameters.text("role");
    String name = lower(parameters.text("name"));
    String resultCode = parameters.text("resultCode");
    boolean failedOnly = parameters.flag("failed");
    double minDuration = parameters.nonNegative("minDurationMs");
    String q = lower(parameters.text("q"));

    Set<String> ids = new HashSet<>();
    Map<String, Operation> operations = new HashMap<>();
    Set<String> roles = new TreeSet<>();
    for (TelemetryItem item : items) {
      if (item.id() != null) {
        ids.add(item.id());
      }
      String role1 = item.summary().role();
      if (role1 != null && isSpan(item)) {
        roles.add(role1);
      }
      Operation operation = operations.computeIfAbsent(String.valueOf(item.operationId()), k -> new Operation());
      operation.items++;
      if (item.type().equals("RemoteDependency")) {
        operation.dependencies++;
      }
      if (q != null && !operation.matches && matches(item, q)) {
        operation.matches = true;
      }
    }
    List<TelemetryItem> roots = new ArrayList<>();
    for (TelemetryItem item : items) {
      if (isSpan(item) && (item.parentId() == null || !ids.contains(item.parentId())
          || item.parentId().equals(item.id()))) {
        roots.add(item);
        operation(operations, item).hasRoot = true;
      }
    }
    for (TelemetryItem item : items) {
      // An operation whose spans all have parents here is a cycle of parent ids: its earliest span stands for it.
      Operation operation = operation(operations, item);
      if (!operation.hasRoot && isSpan(item) && (operation.earliest == null
          || NEWEST_FIRST.compare(item, operation.earliest) > 0)) {
        operation.earliest = item;
      }
    }
    operations.values().stream().filter(operation -> !operation.hasRoot && operation.earliest != null)
        .forEach(operation -> roots.add(operation.earliest));
    List<TelemetryItem> rows = new ArrayList<>();
    for (TelemetryItem item : roots) {
      ItemSummary summary = item.summary();
      if ((role != null && !role.equals(summary.role()))
          || (name != null && (summary.name() == null || !summary.name().toLowerCase(Locale.ROOT).contains(name)))
          || (resultCode != null && !resultCode.equals(summary.resultCode()))
          || (failedOnly && !summary.failed())
          || (!Double.isNaN(minDuration) && !(summary.durationMs() >= minDuration))
          || (q != null && !operation(operations, item).matches)) {
        continue;
      }
      rows.add(item);
    }
    rows.sort(NEWEST_FIRST);

    ObjectNode out = LocalEndpoint.JSON.createObjectNode();
    out.put("total", rows.size());
    out.put("offset", offset);
    out.put("limit", limit);
    ArrayNode roleList = out.putArray("roles");
    roles.forEach(roleList::add);
    ArrayNode list = out.putArray("operations");
    for (int i = offset; i < Math.min(rows.size(), (long) offset + limit); i++) {
      TelemetryItem item = rows.get(i);
      Operation operation = operation(operations, item);
      ObjectNode row = list.addObject();
      row.put("operationId", item.operationId());
      row.put("rootId", item.id());
      row.put("time", item.summary().time());
      ItemJson.number(row, "start", item.summary().start());
      row.put("role", item.summary().role());
      row.put("name", item.summary().name());
      row.put("type", item.type());
      ItemJson.number(row, "durationMs", item.summary().durationMs());
      row.put("resultCode", item.summary().resultCode());
      ItemJson.bool(row, "success", item.summary().success());
      row.put("dependencyCount", operation.dependencies);
      row.put("itemCount", operation.items);
    }
    return out;
  }

  private static Operation operation(Map<String, Operation> operations, TelemetryItem item) {
    return Objects.requireNonNull(operations.get(String.valueOf(item.operationId())), "every item was counted");
  }

  /** Newest first by start time; items without a readable time last; ties newest arrival first. */
  static final Comparator<TelemetryItem> NEWEST_FIRST = (a, b) -> {
    double x = a.summary().start();
    double y = b.summary().start();
    if (Double.isNaN(x) != Double.isNaN(y)) {
      return Double.isNaN(x) ? 1 : -1;
    }
    if (!Double.isNaN(x) && x != y) {
      return Double.compare(y, x);
    }
    return Long.compare(b.sequence(), a.sequence());
  };

  /** Requests and dependencies: the items with a duration, an outcome and a place in a trace's tree. */
  static boolean isSpan(TelemetryItem item) {
    return item.type().equals("Request") || item.type().equals("RemoteDependency");
  }

  private static boolean matches(TelemetryItem item, String q) {
    ItemSummary summary = item.summary();
    return contains(summary.name(), q) || contains(summary.data(), q) || contains(summary.target(), q)
        || contains(summary.exceptionType(), q);
  }

  private static boolean contains(@Nullable String text, String q) {
    return text != null && text.toLowerCase(Locale.ROOT).contains(q);
  }

  private static @Nullable String lower(@Nullable String text) {
    return text == null ? null : text.toLowerCase(Locale.ROOT);
  }

  /** What a row shows of its whole operation. */
  private static final class Operation {
    int items;
    int dependencies;
    boolean matches;
    boolean hasRoot;
    @Nullable TelemetryItem earliest;
  }
}
