package io.weft.endpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A known set of telemetry for the viewer's API and browser tests: two roles (orders calls inventory over HTTP),
 * SQL, MongoDB and in-process dependencies, failures and an exception, a dependency whose parent never arrived, a
 * cycle of parent ids, and names, URLs and properties carrying HTML and script.
 */
final class ViewerFixture {
  static final String T1 = "11111111111111111111111111111111"; // POST /orders: 503, inventory failed
  static final String T2 = "22222222222222222222222222222222"; // GET /orders/{id}: 200
  static final String T3 = "33333333333333333333333333333333"; // a dependency whose parent never arrived
  static final String T4 = "44444444444444444444444444444444"; // a cycle of parent ids
  static final String T5 = "55555555555555555555555555555555"; // hostile text
  static final String HOSTILE_NAME = "<img src=x onerror=\"document.title='pwned'\">";
  static final String HOSTILE_URL = "http://orders/<script>document.title='pwned'</script>";
  static final Instant BASE = Instant.parse("2026-11-25T10:00:00Z");

  private final List<String> envelopes = new ArrayList<>();

  private ViewerFixture() {}

  /** The fixture's envelopes, as newline-delimited JSON. */
  static byte[] ndjson() {
    ViewerFixture f = new ViewerFixture();
    f.request(T1, "r1", null, "orders", "POST /orders", 0, 10, "503", false, "http://orders/orders");
    f.dependency(T1, "d1", "r1", "orders", "INSERT orders", 1, 2, "0", true, "postgresql", "db:5432 | shop",
        "INSERT INTO orders (customer) VALUES (?)");
    f.dependency(T1, "d2", "r1", "orders", "POST /reserve", 4, 5, "503", false, "Http", "inventory:8081",
        "http://inventory:8081/reserve");
    f.request(T1, "r2", "d2", "inventory", "POST /reserve", 5, 3, "503", false, "http://inventory:8081/reserve");
    f.dependency(T1, "d3", "r2", "inventory", "update reservations", 6, 1, "11000", false, "mongodb",
        "mongo:27017 | inventory", "{\"update\": \"reservations\"}");
    f.exception(T1, "r2", 7, "java.lang.IllegalStateException", "warehouse offline");
    f.request(T2, "r3", null, "orders", "GET /orders/{id}", 1000, 4, "200", true, "http://orders/orders/7");
    f.dependency(T2, "d4", "r3", "orders", "SELECT orders", 1001, 1, "0", true, "postgresql", "db:5432 | shop",
        "SELECT * FROM orders WHERE id = ?");
    f.dependency(T3, "d5", "gone", "orders", "nightly-job", 2000, 20, "0", true, "InProc", null, null);
    f.dependency(T4, "c1", "c2", "orders", "cycle-a", 3000, 2, "0", true, "InProc", null, null);
    f.dependency(T4, "c2", "c1", "orders", "cycle-b", 3001, 1, "0", true, "InProc", null, null);
    f.request(T5, "r5", null, "orders", HOSTILE_NAME, 4000, 1, "200", true, HOSTILE_URL);
    return String.join("\n", f.envelopes).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The time of an item {@code offsetMs} after {@link #BASE}, as envelopes carry it. */
  static String time(long offsetMs) {
    return BASE.plusMillis(offsetMs).toString();
  }

  /** {@link #BASE} plus {@code offsetMs}, in epoch milliseconds. */
  static double start(long offsetMs) {
    return BASE.toEpochMilli() + offsetMs;
  }

  private void request(String operation, String id, @Nullable String parent, String role, String name, long at,
      long durationMs, String code, boolean success, String url) {
    ObjectNode base = base(id, name, durationMs, success);
    base.put("responseCode", code).put("url", url);
    base.putObject("properties").put("note", "<b>bold</b>");
    envelopes.add(envelope("Request", operation, parent, role, at, base));
  }

  private void dependency(String operation, String id, String parent, String role, String name, long at,
      long durationMs, String code, boolean success, String type, @Nullable String target, @Nullable String data) {
    ObjectNode base = base(id, name, durationMs, success);
    base.put("resultCode", code).put("type", type);
    if (target != null) {
      base.put("target", target);
    }
    if (data != null) {
      base.put("data", data);
    }
    envelopes.add(envelope("RemoteDependency", operation, parent, role, at, base));
  }

  private void exception(String operation, String parent, long at, String type, String message) {
    ObjectNode base = Http.JSON.createObjectNode().put("ver", 2);
    base.putArray("exceptions").addObject().put("typeName", type).put("message", message).put("hasFullStack", true)
        .put("stack", type + ": " + message + "\n\tat io.example.Stock.reserve(Stock.java:42)");
    envelopes.add(envelope("Exception", operation, parent, "inventory", at, base));
  }

  private static ObjectNode base(String id, String name, long durationMs, boolean success) {
    return Http.JSON.createObjectNode().put("ver", 2).put("id", id).put("name", name)
        .put("duration", String.format(java.util.Locale.ROOT, "00:00:00.%03d0000", durationMs))
        .put("success", success);
  }

  private static String envelope(String type, String operation, @Nullable String parent, String role, long at,
      ObjectNode base) {
    ObjectNode envelope = Http.JSON.createObjectNode().put("name", "Microsoft.ApplicationInsights." + type)
        .put("time", time(at)).put("iKey", Envelopes.IKEY);
    ObjectNode tags = envelope.putObject("tags").put("ai.operation.id", operation).put("ai.cloud.role", role)
        .put("ai.cloud.roleInstance", role + "-1");
    if (parent != null) {
      tags.put("ai.operation.parentId", parent);
    }
    envelope.putObject("data").put("baseType", type + "Data").set("baseData", base);
    return envelope.toString();
  }
}
