package io.weft.endpoint;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /api/traces/{operationId}}: the trace's trees as JSON, each node with the item's summary fields, its
 * envelope as received and its children; a root whose parent never arrived is marked {@code orphan}, one cut out of
 * a cycle of parent ids {@code cycle}. Written without recursion, so a chain of any depth renders; below {@value
 * #MAX_NESTING} levels (deeper than any real trace, and deeper than JSON readers accept by default) descendants are
 * listed flat, each with its true {@code depth}.
 */
final class TraceView {
  static final int MAX_NESTING = 200;

  private TraceView() {}

  static ArrayNode render(List<TraceNode> roots) {
    Set<String> ids = new HashSet<>();
    ArrayDeque<TraceNode> all = new ArrayDeque<>(roots);
    while (!all.isEmpty()) {
      TraceNode node = all.removeFirst();
      if (node.item().id() != null) {
        ids.add(node.item().id());
      }
      all.addAll(node.children());
    }
    ArrayNode out = LocalEndpoint.JSON.createArrayNode();
    ArrayDeque<Pending> pending = new ArrayDeque<>();
    for (TraceNode root : roots) {
      String parent = root.item().parentId();
      boolean parentHere = parent != null && ids.contains(parent) && !parent.equals(root.item().id());
      ObjectNode json = node(root, out);
      json.put("orphan", parent != null && !parentHere);
      json.put("cycle", parentHere);
      pending.add(new Pending(root, json, 0, json.putArray("children")));
    }
    while (!pending.isEmpty()) {
      Pending next = pending.removeFirst();
      for (TraceNode child : next.node().children()) {
        int depth = next.depth() + 1;
        ObjectNode json = node(child, next.children());
        json.put("orphan", false);
        json.put("cycle", false);
        ArrayNode children = next.children();
        if (depth < MAX_NESTING) {
          children = json.putArray("children");
        } else {
          json.put("depth", depth);
        }
        pending.add(new Pending(child, json, depth, children));
      }
    }
    return out;
  }

  private static ObjectNode node(TraceNode node, ArrayNode into) {
    ObjectNode json = ItemJson.write(node.item(), into.addObject());
    json.set("item", node.item().readEnvelope()); // not kept: viewing traces must not grow the store
    return json;
  }

  /** A node written, whose children go into {@code children}: its own array, or, past the limit, its parent's. */
  private record Pending(TraceNode node, ObjectNode json, int depth, ArrayNode children) {}
}
