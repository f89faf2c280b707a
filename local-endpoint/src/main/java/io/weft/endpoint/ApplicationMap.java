package io.weft.endpoint;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /api/map} and {@code GET /api/map/calls}: cloud roles and the targets of their dependencies as nodes,
 * calls as edges, over a {@link TimeWindow}. A dependency answered by a request that arrived here (the request's
 * parent is the dependency) is a call from one role to the other; any other dependency is a call to its target
 * ({@code dep:<type>|<target>}). Each edge has its calls, failures, average and 95th-percentile duration.
 */
final class ApplicationMap {
  private static final int CALLS_LISTED = 10;

  private ApplicationMap() {}

  static ObjectNode answer(List<TelemetryItem> stored, QueryParameters parameters) {
    TimeWindow window = TimeWindow.of(stored, parameters);
    List<TelemetryItem> items = window.select(stored);
    Map<String, Node> nodes = new TreeMap<>();
    Map<String, Edge> edges = new TreeMap<>();
    Map<String, String> calleeRoles = calleeRoles(items);
    for (TelemetryItem item : items) {
      ItemSummary summary = item.summary();
      if (item.type().equals("Request")) {
        Node role = nodes.computeIfAbsent(roleId(summary.role()), id -> Node.role(summary.role()));
        role.calls++;
        role.failed += summary.failed() ? 1 : 0;
      } else if (item.type().equals("RemoteDependency")) {
        nodes.computeIfAbsent(roleId(summary.role()), id -> Node.role(summary.role()));
        String target = targetId(item, calleeRoles);
        Node targetNode = nodes.computeIfAbsent(target, id -> target.startsWith("role:")
            ? Node.role(target.substring("role:".length())) : Node.dependency(summary));
        if (!targetNode.role) {
          targetNode.calls++;
          targetNode.failed += summary.failed() ? 1 : 0;
        }
        edges.computeIfAbsent(edgeId(item, calleeRoles), id -> new Edge(roleId(summary.role()), target)).add(summary);
      }
    }
    ObjectNode out = LocalEndpoint.JSON.createObjectNode();
    ItemJson.number(out, "from", window.from());
    ItemJson.number(out, "to", window.to());
    ArrayNode nodeList = out.putArray("nodes");
    nodes.forEach((id, node) -> {
      ObjectNode json = nodeList.addObject();
      json.put("id", id);
      json.put("kind", node.role ? "role" : "dependency");
      json.put("label", node.label);
      if (!node.role) {
        json.put("dependencyType", node.dependencyType);
      }
      json.put("calls", node.calls);
      json.put("failed", node.failed);
    });
    ArrayNode edgeList = out.putArray("edges");
    edges.forEach((id, edge) -> {
      ObjectNode json = edgeList.addObject();
      json.put("id", id);
      json.put("source", edge.source);
      json.put("target", edge.target);
      json.put("calls", edge.durations.size());
      json.put("failed", edge.failed);
      ItemJson.number(json, "failurePercent", 100.0 * edge.failed / edge.durations.size());
      ItemJson.number(json, "avgMs", edge.durations.stream().mapToDouble(Double::doubleValue).average()
          .orElse(Double.NaN));
      ItemJson.number(json, "p95Ms", percentile95(edge.durations));
    });
    return out;
  }

  /** The slowest and the failed calls of one edge ({@code edge=<edge id>}), newest failures first. */
  static ObjectNode calls(List<TelemetryItem> stored, QueryParameters parameters) {
    String edge = parameters.text("edge");
    if (edge == null) {
      throw new QueryParameters.BadQuery("edge is required: an edge id from /api/map");
    }
    List<TelemetryItem> items = TimeWindow.of(stored, parameters).select(stored);
    Map<String, String> calleeRoles = calleeRoles(items);
    List<TelemetryItem> calls = new ArrayList<>();
    for (TelemetryItem item : items) {
      if (item.type().equals("RemoteDependency") && edge.equals(edgeId(item, calleeRoles))) {
        calls.add(item);
      }
    }
    ObjectNode out = LocalEndpoint.JSON.createObjectNode();
    ArrayNode slowest = out.putArray("slowest");
    calls.stream().filter(item -> !Double.isNaN(item.summary().durationMs()))
        .sorted(Comparator.comparingDouble((TelemetryItem item) -> item.summary().durationMs()).reversed()
            .thenComparing(OperationList.NEWEST_FIRST))
        .limit(CALLS_LISTED).forEach(item -> ItemJson.write(item, slowest.addObject()));
    ArrayNode failed = out.putArray("failed");
    calls.stream().filter(item -> item.summary().failed()).sorted(OperationList.NEWEST_FIRST).limit(CALLS_LISTED)
        .forEach(item -> ItemJson.write(item, failed.addObject()));
    return out;
  }

  /** Dependency id → the role of the request that answered it (a request whose parent is that dependency). */
  private static Map<String, String> calleeRoles(List<TelemetryItem> items) {
    Map<String, String> callees = new HashMap<>();
    for (TelemetryItem item : items) {
      if (item.type().equals("Request") && item.parentId() != null) {
        callees.putIfAbsent(item.parentId(), String.valueOf(item.summary().role()));
      }
    }
    return callees;
  }

  private static String targetId(TelemetryItem dependency, Map<String, String> calleeRoles) {
    String callee = dependency.id() == null ? null : calleeRoles.get(dependency.id());
    if (callee != null) {
      return roleId(callee);
    }
    ItemSummary summary = dependency.summary();
    return "dep:" + (summary.dependencyType() == null ? "" : summary.dependencyType()) + "|" + label(summary);
  }

  private static String edgeId(TelemetryItem dependency, Map<String, String> calleeRoles) {
    return roleId(dependency.summary().role()) + "->" + targetId(dependency, calleeRoles);
  }

  private static String roleId(@Nullable String role) {
    return "role:" + (role == null ? "unknown" : role);
  }

  /** A dependency node's label: its target, else its name (in-process work has no target). */
  private static String label(ItemSummary summary) {
    return summary.target() != null ? summary.target() : summary.name() != null ? summary.name() : "unknown";
  }

  /** The nearest-rank 95th percentile. */
  private static double percentile95(List<Double> durations) {
    double[] sorted = durations.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).sorted()
        .toArray();
    return sorted.length == 0 ? Double.NaN : sorted[(int) Math.ceil(0.95 * sorted.length) - 1];
  }

  private static final class Node {
    final boolean role;
    final String label;
    final @Nullable String dependencyType;
    int calls;
    int failed;

    private Node(boolean role, String label, @Nullable String dependencyType) {
      this.role = role;
      this.label = label;
      this.dependencyType = dependencyType;
    }

    static Node role(@Nullable String name) {
      return new Node(true, name == null ? "unknown" : name, null);
    }

    static Node dependency(ItemSummary summary) {
      return new Node(false, label(summary), summary.dependencyType());
    }
  }

  private static final class Edge {
    final String source;
    final String target;
    final List<Double> durations = new ArrayList<>();
    int failed;

    Edge(String source, String target) {
      this.source = source;
      this.target = target;
    }

    void add(ItemSummary call) {
      durations.add(call.durationMs());
      failed += call.failed() ? 1 : 0;
    }
  }
}
