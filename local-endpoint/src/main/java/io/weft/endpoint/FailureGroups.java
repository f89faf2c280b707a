package io.weft.endpoint;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /api/failures}: failed requests grouped by name and result code, failed dependencies by name, type,
 * target and result code, exceptions by type; each group with its count and up to five example operations (newest
 * first), largest groups first, over a {@link TimeWindow}.
 */
final class FailureGroups {
  private static final int EXAMPLES = 5;

  private FailureGroups() {}

  static ObjectNode answer(List<TelemetryItem> stored, QueryParameters parameters) {
    List<TelemetryItem> items = new ArrayList<>(TimeWindow.of(stored, parameters).select(stored));
    items.sort(OperationList.NEWEST_FIRST);
    ObjectNode out = LocalEndpoint.JSON.createObjectNode();
    group(items, "Request", true, item -> List.of(field("name", item.summary().name()),
        field("resultCode", item.summary().resultCode())), out.putArray("requests"));
    group(items, "RemoteDependency", true, item -> List.of(field("name", item.summary().name()),
        field("dependencyType", item.summary().dependencyType()), field("target", item.summary().target()),
        field("resultCode", item.summary().resultCode())), out.putArray("dependencies"));
    group(items, "Exception", false, item -> List.of(field("typeName", item.summary().exceptionType())),
        out.putArray("exceptions"));
    return out;
  }

  private static void group(List<TelemetryItem> newestFirst, String type, boolean failedOnly,
      Function<TelemetryItem, List<Map.Entry<String, @Nullable String>>> key, ArrayNode into) {
    Map<List<Map.Entry<String, @Nullable String>>, Group> groups = new LinkedHashMap<>();
    for (TelemetryItem item : newestFirst) {
      if (item.type().equals(type) && (!failedOnly || item.summary().failed())) {
        Group group = groups.computeIfAbsent(key.apply(item), k -> new Group(item));
        group.count++;
        if (group.examples.size() < EXAMPLES && item.operationId() != null) {
          group.examples.add(item.operationId());
        }
      }
    }
    List<Map.Entry<List<Map.Entry<String, @Nullable String>>, Group>> sorted = new ArrayList<>(groups.entrySet());
    sorted.sort(Comparator.comparingInt(
        (Map.Entry<List<Map.Entry<String, @Nullable String>>, Group> entry) -> entry.getValue().count).reversed());
    for (Map.Entry<List<Map.Entry<String, @Nullable String>>, Group> entry : sorted) {
      ObjectNode json = into.addObject();
      entry.getKey().forEach(field -> json.put(field.getKey(), field.getValue()));
      if (type.equals("Exception")) {
        json.put("message", entry.getValue().newest.summary().data());
      }
      json.put("count", entry.getValue().count);
      ArrayNode examples = json.putArray("examples");
      entry.getValue().examples.forEach(examples::add);
    }
  }

  private static Map.Entry<String, @Nullable String> field(String name, @Nullable String value) {
    return new java.util.AbstractMap.SimpleImmutableEntry<>(name, value);
  }

  /** One group: its count, its newest item and its example operations. */
  private static final class Group {
    final TelemetryItem newest;
    final Set<String> examples = new LinkedHashSet<>();
    int count;

    Group(TelemetryItem newest) {
      this.newest = newest;
    }
  }
}
