package io.weft.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.endpoint.EndpointStats;
import io.weft.endpoint.TelemetryItem;
import io.weft.endpoint.TraceNode;
import io.weft.exporter.azure.ExporterMetrics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What a run amounts to, as Application Insights would show it: the request and dependency tables and one trace,
 * computed from the telemetry the local endpoint <em>received</em> (not from the spans in this process), the
 * exporter's accounting, and the problems that make the run fail. Prints itself for people and writes itself as
 * JSON for CI.
 *
 * <p>Immutable once built.
 */
final class Summary {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Calls, failures and durations of one group of items. */
  record Stats(long calls, long failures, double averageMs, double p95Ms) {}

  /** One operation (item name) within a dependency row. */
  record Operation(String name, Stats stats) {}

  /** Dependencies of one type and target, as the dependency view groups them, with their operations. */
  record DependencyRow(String type, String target, Stats stats, List<Operation> operations) {}

  /** Requests of one cloud role and name, with the count per result code. */
  record RequestRow(String role, String name, Stats stats, Map<String, Long> resultCodes) {}

  /** The exporter's accounting: produced = exported + dropped + pending. */
  record Accounting(long produced, long exported, long dropped, Map<ExporterMetrics.DropReason, Long> droppedByReason,
      long pending, long retried, long spilled, long requests) {

    static Accounting of(ExporterMetrics metrics) {
      Map<ExporterMetrics.DropReason, Long> dropped = new LinkedHashMap<>();
      metrics.droppedByReason().forEach((reason, count) -> {
        if (count > 0) {
          dropped.put(reason, count);
        }
      });
      // Read pending first: the others only grow, so a concurrent hand-over cannot make the sum exceed produced.
      long pending = metrics.pending();
      return new Accounting(metrics.handedOver(), metrics.delivered(), metrics.dropped(), dropped, pending,
          metrics.retried(), metrics.persisted(), metrics.requests());
    }

    boolean balances() {
      return produced == exported + dropped + pending;
    }
  }

  /** One item of the printed trace and its children, ordered by start time. */
  record TraceLine(String type, String name, @Nullable String role, @Nullable String result, boolean success,
      double durationMs, @Nullable String target, @Nullable String data, List<TraceLine> children) {}

  private final String destination;
  private final LoadGenerator.Report load;
  private final Accounting accounting;
  private final @Nullable EndpointStats endpoint;
  private final List<RequestRow> requests;
  private final List<DependencyRow> dependencies;
  private final @Nullable String traceOperationId;
  private final List<TraceLine> trace;
  private final List<String> problems;

  private Summary(String destination, LoadGenerator.Report load, Accounting accounting,
      @Nullable EndpointStats endpoint, List<RequestRow> requests, List<DependencyRow> dependencies,
      @Nullable String traceOperationId, List<TraceLine> trace, List<String> problems) {
    this.destination = destination;
    this.load = load;
    this.accounting = accounting;
    this.endpoint = endpoint;
    this.requests = requests;
    this.dependencies = dependencies;
    this.traceOperationId = traceOperationId;
    this.trace = trace;
    this.problems = problems;
  }

  /** A summary of a run that exported to Azure: the accounting only (nothing to query there). */
  static Summary exportedToAzure(LoadGenerator.Report load, Accounting accounting, List<String> problems) {
    return new Summary("Application Insights", load, accounting, null, List.of(), List.of(), null, List.of(),
        List.copyOf(problems));
  }

  /**
   * A summary of a run against the local endpoint.
   *
   * @param received every item the endpoint stored
   * @param trace the endpoint's trees for {@code operationId}, the trace to print (empty when none)
   */
  static Summary fromEndpoint(LoadGenerator.Report load, Accounting accounting, EndpointStats endpoint,
      List<TelemetryItem> received, @Nullable String operationId, List<TraceNode> trace, List<String> problems) {
    List<TraceLine> lines = new ArrayList<>();
    trace.stream().sorted(Comparator.comparing(node -> time(node.item()))).forEach(node -> lines.add(line(node)));
    return new Summary("the local endpoint", load, accounting, endpoint, requestRows(received),
        dependencyRows(received), operationId, lines, List.copyOf(problems));
  }

  @Nullable String traceOperationId() {
    return traceOperationId;
  }

  List<RequestRow> requests() {
    return requests;
  }

  List<DependencyRow> dependencies() {
    return dependencies;
  }

  List<TraceLine> trace() {
    return trace;
  }

  Accounting accounting() {
    return accounting;
  }

  List<String> problems() {
    return problems;
  }

  private static List<RequestRow> requestRows(List<TelemetryItem> received) {
    Map<List<String>, List<TelemetryItem>> groups = group(received, "Request",
        item -> List.of(orEmpty(item.tag("ai.cloud.role")), orEmpty(item.name())));
    List<RequestRow> rows = new ArrayList<>();
    groups.forEach((key, items) -> {
      Map<String, Long> codes = new TreeMap<>();
      items.forEach(item -> codes.merge(orEmpty(item.field("responseCode")), 1L, Long::sum));
      rows.add(new RequestRow(key.get(0), key.get(1), stats(items), codes));
    });
    return rows;
  }

  private static List<DependencyRow> dependencyRows(List<TelemetryItem> received) {
    Map<List<String>, List<TelemetryItem>> groups = group(received, "RemoteDependency",
        item -> List.of(orEmpty(item.field("type")), orEmpty(item.field("target"))));
    List<DependencyRow> rows = new ArrayList<>();
    groups.forEach((key, items) -> {
      Map<String, List<TelemetryItem>> byName = new TreeMap<>();
      items.forEach(item -> byName.computeIfAbsent(orEmpty(item.name()), k -> new ArrayList<>()).add(item));
      List<Operation> operations = new ArrayList<>();
      byName.forEach((name, named) -> operations.add(new Operation(name, stats(named))));
      rows.add(new DependencyRow(key.get(0), key.get(1), stats(items), operations));
    });
    rows.sort(Comparator.comparing((DependencyRow row) -> -row.stats().calls()));
    return rows;
  }

  private static Map<List<String>, List<TelemetryItem>> group(List<TelemetryItem> received, String type,
      Function<TelemetryItem, List<String>> key) {
    Map<List<String>, List<TelemetryItem>> groups = new TreeMap<>(
        Comparator.<List<String>, String>comparing(k -> k.get(0)).thenComparing(k -> k.get(1)));
    for (TelemetryItem item : received) {
      if (item.type().equals(type)) {
        groups.computeIfAbsent(key.apply(item), k -> new ArrayList<>()).add(item);
      }
    }
    return groups;
  }

  private static Stats stats(List<TelemetryItem> items) {
    double[] millis = new double[items.size()];
    long failures = 0;
    double sum = 0;
    for (int i = 0; i < millis.length; i++) {
      TelemetryItem item = items.get(i);
      millis[i] = millis(item.field("duration"));
      sum += millis[i];
      if (!"true".equals(item.field("success"))) {
        failures++;
      }
    }
    java.util.Arrays.sort(millis);
    // Nearest rank: the smallest duration that at least 95% of the calls did not exceed.
    double p95 = millis.length == 0 ? 0 : millis[(int) Math.ceil(0.95 * millis.length) - 1];
    return new Stats(millis.length, failures, millis.length == 0 ? 0 : sum / millis.length, p95);
  }

  /** An Application Insights duration ({@code [d.]hh:mm:ss[.fffffff]}) in milliseconds; 0 when absent or odd. */
  static double millis(@Nullable String duration) {
    if (duration == null) {
      return 0;
    }
    try {
      String rest = duration;
      long days = 0;
      int dot = rest.indexOf('.');
      int colon = rest.indexOf(':');
      if (dot >= 0 && dot < colon) {
        days = Long.parseLong(rest.substring(0, dot));
        rest = rest.substring(dot + 1);
      }
      String[] parts = rest.split(":");
      if (parts.length != 3) {
        return 0;
      }
      long minutes = (days * 24 + Long.parseLong(parts[0])) * 60 + Long.parseLong(parts[1]);
      return minutes * 60_000d + Double.parseDouble(parts[2]) * 1000d;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String time(TelemetryItem item) {
    return item.envelope().path("time").asText("");
  }

  private static TraceLine line(TraceNode node) {
    TelemetryItem item = node.item();
    List<TraceLine> children = new ArrayList<>();
    node.children().stream().sorted(Comparator.comparing(child -> time(child.item())))
        .forEach(child -> children.add(line(child)));
    boolean request = item.type().equals("Request");
    String type = request ? "Request" : item.type().equals("RemoteDependency")
        ? orEmpty(item.field("type")) : item.type();
    String result = request ? item.field("responseCode") : item.field("resultCode");
    String data = request ? item.field("url") : item.field("data");
    String name = item.name() != null ? item.name() : orEmpty(item.field("message"));
    return new TraceLine(type, name, item.tag("ai.cloud.role"), "0".equals(result) ? null : result,
        "true".equals(item.field("success")), millis(item.field("duration")), item.field("target"), data, children);
  }

  private static String orEmpty(@Nullable String value) {
    return value == null ? "" : value;
  }

  /** Prints the tables, the trace, the accounting and the verdict. */
  void print(PrintStream out) {
    print(out, null);
  }

  /** Prints the summary; {@code whereToLook}, if any, goes right before the verdict, which stays the last line. */
  void print(PrintStream out, @Nullable String whereToLook) {
    LoadGenerator.Report l = load;
    double seconds = l.elapsed().toMillis() / 1000d;
    out.printf(Locale.ROOT, "%nLoad: %d requests in %.1f s: %d answered as expected (%d of them the expected 503),"
        + " %d unexpected%n", l.sent(), seconds, l.answered() - l.unexpected(), l.expectedFailures(), l.unexpected());
    l.unexpectedSamples().forEach(sample -> out.println("  unexpected: " + sample));
    if (endpoint == null) {
      out.println();
      out.println("Telemetry went to Application Insights: see the Performance and Failures views there (allow a"
          + " few minutes). No local tables: the embedded endpoint was not started.");
    } else {
      printTables(out);
    }
    out.println();
    Accounting a = accounting;
    out.printf(Locale.ROOT, "Exporter accounting: produced %d = exported %d + dropped %d + pending %d;"
        + " retried %d, spilled to disk %d, %d HTTP requests%n", a.produced(), a.exported(), a.dropped(),
        a.pending(), a.retried(), a.spilled(), a.requests());
    if (!a.droppedByReason().isEmpty()) {
      out.println("  dropped by reason: " + a.droppedByReason());
    }
    EndpointStats e = endpoint;
    if (e != null) {
      out.printf(Locale.ROOT, "Endpoint: %d items received, %d accepted, %d rejected, %d evicted%n",
          e.itemsReceived(), e.itemsAccepted(), e.itemsRejected(), e.itemsEvicted());
    }
    if (whereToLook != null) {
      out.println(whereToLook);
    }
    out.println();
    if (problems.isEmpty()) {
      out.println("OK: every span produced was accepted by " + destination + ".");
    } else {
      out.println("FAILED:");
      problems.forEach(problem -> out.println("  - " + problem));
    }
  }

  private void printTables(PrintStream out) {
    out.println();
    out.println("Requests (Request items received by the endpoint, per cloud role and name):");
    out.printf(Locale.ROOT, "  %-10s %-24s %7s %7s %9s %9s  %s%n", "role", "name", "calls", "failed", "avg ms",
        "p95 ms", "result codes");
    for (RequestRow row : requests) {
      StringBuilder codes = new StringBuilder();
      row.resultCodes().forEach((code, count) -> codes.append(codes.length() == 0 ? "" : " ").append(code)
          .append(" x").append(count));
      out.printf(Locale.ROOT, "  %-10s %-24s %s  %s%n", row.role(), row.name(), format(row.stats()), codes);
    }
    out.println();
    out.println("Dependencies (RemoteDependency items received by the endpoint, per type and target):");
    out.printf(Locale.ROOT, "  %-8s %-26s %7s %7s %9s %9s%n", "type", "target / name", "calls", "failed", "avg ms",
        "p95 ms");
    for (DependencyRow row : dependencies) {
      out.printf(Locale.ROOT, "  %-8s %-26s %s%n", row.type(), row.target().isEmpty() ? "(in process)" : row.target(),
          format(row.stats()));
      for (Operation operation : row.operations()) {
        out.printf(Locale.ROOT, "  %-8s   %-24s %s%n", "", operation.name(), format(operation.stats()));
      }
    }
    out.println();
    if (traceOperationId == null) {
      out.println("No complete POST /orders trace was received.");
    } else {
      out.println("One trace, as the endpoint linked it by ai.operation.parentId (operation " + traceOperationId
          + "):");
      trace.forEach(line -> printTrace(line, "  ", out));
    }
  }

  private static String format(Stats stats) {
    return String.format(Locale.ROOT, "%7d %7d %9.2f %9.2f", stats.calls(), stats.failures(), stats.averageMs(),
        stats.p95Ms());
  }

  private static void printTrace(TraceLine line, String indent, PrintStream out) {
    String head = indent + line.type() + " " + line.name()
        + (line.type().equals("Request") && line.role() != null ? " [" + line.role() + "]" : "");
    StringBuilder tail = new StringBuilder();
    if (line.result() != null) {
      tail.append(line.result()).append(' ');
    }
    if (!line.success()) {
      tail.append("FAILED ");
    }
    if (line.target() != null && !line.type().equals("Http")) {
      tail.append(line.target()).append(": ");
    }
    if (line.data() != null) {
      tail.append(line.data());
    }
    out.println(String.format(Locale.ROOT, "%-44s %8.2f ms  %s", head, line.durationMs(), tail).stripTrailing());
    line.children().forEach(child -> printTrace(child, indent + "  ", out));
  }

  /** Writes the accounting, the load, the endpoint's counters, the tables and the trace as JSON to {@code file}. */
  void writeJson(Path file) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("ok", problems.isEmpty());
    root.set("problems", JSON.valueToTree(problems));
    root.put("destination", destination);
    ObjectNode loadJson = root.putObject("load");
    loadJson.put("planned", load.planned()).put("sent", load.sent()).put("answered", load.answered())
        .put("expectedFailures", load.expectedFailures()).put("unexpected", load.unexpected())
        .put("seconds", load.elapsed().toMillis() / 1000d);
    loadJson.set("byCall", JSON.valueToTree(load.byCall()));
    loadJson.set("unexpectedSamples", JSON.valueToTree(load.unexpectedSamples()));
    root.set("accounting", JSON.valueToTree(accounting));
    root.set("endpoint", JSON.valueToTree(endpoint));
    root.set("requests", JSON.valueToTree(requests));
    root.set("dependencies", JSON.valueToTree(dependencies));
    ObjectNode traceJson = root.putObject("trace");
    traceJson.put("operationId", traceOperationId);
    traceJson.set("tree", JSON.valueToTree(trace));
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    JSON.writeValue(file.toFile(), root);
  }
}
