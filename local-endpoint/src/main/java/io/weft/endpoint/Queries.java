package io.weft.endpoint;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The HTTP query API: {@code /api/items}, {@code /api/traces/{operationId}}, {@code /api/stats}. */
final class Queries {
  private Queries() {}

  static LocalEndpoint.Reply answer(String path, Map<String, List<String>> parameters, LocalEndpoint endpoint) {
    TelemetryStore store = endpoint.store();
    if (path.equals("/api/stats")) {
      EndpointStats stats = endpoint.stats();
      ObjectNode root = LocalEndpoint.JSON.createObjectNode();
      root.put("requestsReceived", stats.requestsReceived());
      root.put("itemsReceived", stats.itemsReceived());
      root.put("itemsAccepted", stats.itemsAccepted());
      root.put("itemsRejected", stats.itemsRejected());
      root.put("bytesReceived", stats.bytesReceived());
      root.put("bytesInflated", stats.bytesInflated());
      root.put("itemsEvicted", stats.itemsEvicted());
      root.put("itemsStored", store.items().size());
      return LocalEndpoint.Reply.json(root);
    }
    if (path.equals("/api/items")) {
      String operationId = first(parameters, "operationId");
      String type = first(parameters, "type");
      List<TelemetryItem> items = store.filter(item -> (operationId == null || operationId.equals(item.operationId()))
          && (type == null || type.equals(item.type())));
      ArrayNode array = LocalEndpoint.JSON.createArrayNode();
      items.forEach(item -> array.add(item.envelope()));
      return LocalEndpoint.Reply.json(array);
    }
    String operationId = path.substring("/api/traces/".length());
    if (operationId.isEmpty()) {
      return LocalEndpoint.Reply.error(400, "operation id missing: GET /api/traces/{operationId}");
    }
    List<TraceNode> trees = store.trace(operationId);
    if (trees.isEmpty()) {
      return LocalEndpoint.Reply.error(404, "no items with ai.operation.id " + operationId);
    }
    ArrayNode array = LocalEndpoint.JSON.createArrayNode();
    trees.forEach(tree -> array.add(render(tree)));
    return LocalEndpoint.Reply.json(array);
  }

  private static ObjectNode render(TraceNode node) {
    ObjectNode out = LocalEndpoint.JSON.createObjectNode();
    out.put("type", node.item().type());
    out.put("name", node.item().name());
    out.put("id", node.item().id());
    out.set("item", node.item().envelope());
    ArrayNode children = out.putArray("children");
    node.children().forEach(child -> children.add(render(child)));
    return out;
  }

  private static @Nullable String first(Map<String, List<String>> parameters, String name) {
    List<String> values = parameters.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
