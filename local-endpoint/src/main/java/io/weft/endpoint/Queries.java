package io.weft.endpoint;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * The HTTP query API, answered off the event loop by the caller: {@code /api/stats}, {@code /api/items}, {@code
 * /api/traces/{operationId}}, and the viewer's {@code /api/operations}, {@code /api/map}, {@code /api/map/calls}
 * and {@code /api/failures}. A parameter that does not parse is a 400 naming it.
 */
final class Queries {
  private Queries() {}

  /** Whether {@code path} is a query this class answers. */
  static boolean handles(String path) {
    return path.equals("/api/stats") || path.equals("/api/items") || path.startsWith("/api/traces/")
        || path.equals("/api/operations") || path.equals("/api/map") || path.equals("/api/map/calls")
        || path.equals("/api/failures");
  }

  static LocalEndpoint.Reply answer(String path, Map<String, List<String>> values, LocalEndpoint endpoint) {
    QueryParameters parameters = new QueryParameters(values);
    TelemetryStore store = endpoint.store();
    try {
      return switch (path) {
        case "/api/stats" -> LocalEndpoint.Reply.json(stats(endpoint));
        case "/api/items" -> items(store, parameters);
        case "/api/operations" -> LocalEndpoint.Reply.json(OperationList.answer(store.items(), parameters));
        case "/api/map" -> LocalEndpoint.Reply.json(ApplicationMap.answer(store.items(), parameters));
        case "/api/map/calls" -> LocalEndpoint.Reply.json(ApplicationMap.calls(store.items(), parameters));
        case "/api/failures" -> LocalEndpoint.Reply.json(FailureGroups.answer(store.items(), parameters));
        default -> trace(path.substring("/api/traces/".length()), store);
      };
    } catch (QueryParameters.BadQuery e) {
      return LocalEndpoint.Reply.error(400, String.valueOf(e.getMessage()));
    }
  }

  private static ObjectNode stats(LocalEndpoint endpoint) {
    EndpointStats stats = endpoint.stats();
    ObjectNode root = LocalEndpoint.JSON.createObjectNode();
    root.put("requestsReceived", stats.requestsReceived());
    root.put("itemsReceived", stats.itemsReceived());
    root.put("itemsAccepted", stats.itemsAccepted());
    root.put("itemsRejected", stats.itemsRejected());
    root.put("bytesReceived", stats.bytesReceived());
    root.put("bytesInflated", stats.bytesInflated());
    root.put("itemsEvicted", stats.itemsEvicted());
    root.put("itemsStored", endpoint.store().size());
    return root;
  }

  /**
   * The envelopes as received, oldest first, filtered by {@code operationId} and {@code type}, a page at a time:
   * {@code limit} (default 1,000, at most 100,000) from {@code offset}; {@code X-Total-Count} has the number of
   * matches.
   */
  private static LocalEndpoint.Reply items(TelemetryStore store, QueryParameters parameters) {
    String operationId = parameters.text("operationId");
    String type = parameters.text("type");
    int limit = parameters.integer("limit", 1000, 1, 100_000);
    int offset = parameters.integer("offset", 0, 0, Integer.MAX_VALUE);
    List<TelemetryItem> items = store.filter(item -> (operationId == null || operationId.equals(item.operationId()))
        && (type == null || type.equals(item.type())));
    ArrayNode array = LocalEndpoint.JSON.createArrayNode();
    for (int i = offset; i < Math.min(items.size(), (long) offset + limit); i++) {
      array.add(items.get(i).readEnvelope());
    }
    return LocalEndpoint.Reply.json(array).header("X-Total-Count", Integer.toString(items.size()));
  }

  private static LocalEndpoint.Reply trace(String operationId, TelemetryStore store) {
    if (operationId.isEmpty()) {
      return LocalEndpoint.Reply.error(400, "operation id missing: GET /api/traces/{operationId}");
    }
    List<TraceNode> trees = store.trace(operationId);
    if (trees.isEmpty()) {
      return LocalEndpoint.Reply.error(404, "no items with ai.operation.id " + operationId);
    }
    return LocalEndpoint.Reply.json(TraceView.render(trees));
  }
}
