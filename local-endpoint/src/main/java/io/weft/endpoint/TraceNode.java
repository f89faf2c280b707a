package io.weft.endpoint;

import java.util.List;

/**
 * One item of a trace and the items whose {@code ai.operation.parentId} is its id, ordered by arrival.
 *
 * @param item the telemetry item
 * @param children its children
 */
public record TraceNode(TelemetryItem item, List<TraceNode> children) {

  /** Renders the tree as indented lines: type, name, id; for tests and the command line. */
  public String render() {
    StringBuilder out = new StringBuilder();
    render(this, "", out);
    return out.toString();
  }

  private static void render(TraceNode node, String indent, StringBuilder out) {
    TelemetryItem item = node.item();
    String name = item.name() != null ? item.name() : item.type();
    out.append(indent).append(item.type()).append(' ').append(name);
    if (item.id() != null) {
      out.append(" [").append(item.id()).append(']');
    }
    out.append('\n');
    for (TraceNode child : node.children()) {
      render(child, indent + "  ", out);
    }
  }
}
