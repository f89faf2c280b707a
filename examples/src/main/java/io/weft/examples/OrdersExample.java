package io.weft.examples;

import io.weft.core.Tracer;
import io.weft.core.WeftConfig;
import io.weft.core.sampler.Sampler;
import io.weft.endpoint.EndpointStats;
import io.weft.endpoint.LocalEndpoint;
import io.weft.endpoint.TelemetryItem;
import io.weft.endpoint.TraceNode;
import io.weft.exporter.azure.AzureMonitorExporter;
import io.weft.exporter.azure.AzureMonitorExporterBuilder;
import io.weft.exporter.azure.ConnectionString;
import io.weft.exporter.azure.ExporterMetrics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The example service the README's first command runs: an "orders" service (reactor-netty, H2 over R2DBC) calling
 * an "inventory" service over HTTP, both traced, driven by a built-in load generator; the telemetry goes to an
 * embedded Application Insights–compatible endpoint started in this process (or to Azure when a connection string
 * is given), and what the endpoint received is summarised as Application Insights would show it.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.args="--requests 200 --rate 50 --summary-json summary.json"
 * </pre>
 *
 * <p>Options: {@code --requests N} (default: rate × duration), {@code --rate R} per second (default 20), {@code
 * --duration D} ({@code 30s}, {@code 500ms}, {@code 2m} or seconds; default 30 s), {@code --connection-string CS}
 * (default {@code APPLICATIONINSIGHTS_CONNECTION_STRING}), {@code --summary-json FILE}, {@code --keep-running},
 * {@code --inventory vertx|reactor-netty} (default {@code vertx}: the inventory service runs on Vert.x, so one trace
 * crosses reactor-netty, R2DBC and Vert.x).
 * Exits 0 when every span produced was accepted, 1 with the reasons otherwise, 2 on bad options.
 */
public final class OrdersExample {
  /** Requests in flight at most. */
  static final int CONCURRENCY = 32;
  /** How long to wait for the exporter and the endpoint to settle after the load. */
  static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);

  private OrdersExample() {}

  /** The command-line options; see the class comment. */
  record Options(int requests, double rate, Duration duration, @Nullable String connectionString,
      @Nullable Path summaryJson, boolean keepRunning, String inventory, String orders) {

    static final String USAGE = """
        Usage: OrdersExample [options]
          --requests N              requests to send (default: rate x duration)
          --rate R                  requests per second (default 20)
          --duration D              how long to send: 30s, 500ms, 2m or seconds (default 30s)
          --connection-string CS    export to this Application Insights resource instead of the embedded
                                    endpoint (default: APPLICATIONINSIGHTS_CONNECTION_STRING)
          --summary-json FILE       also write the accounting and the tables as JSON
          --keep-running            serve until Ctrl-C after the load, printing URLs to try
          --inventory STACK         what serves the inventory service: vertx (default) or reactor-netty
          --orders STACK            what serves the orders service: reactor-netty (default) or spring
                                    (Spring Boot WebFlux, traced by weft-spring-boot-starter alone)
        """;

    Options {
      if (requests < 1) {
        throw new IllegalArgumentException("--requests must be positive: " + requests);
      }
      if (!(rate > 0) || Double.isInfinite(rate)) {
        throw new IllegalArgumentException("--rate must be positive: " + rate);
      }
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException("--duration must be positive: " + duration);
      }
      if (!inventory.equals("vertx") && !inventory.equals("reactor-netty")) {
        throw new IllegalArgumentException("--inventory must be vertx or reactor-netty: " + inventory);
      }
      if (!orders.equals("reactor-netty") && !orders.equals("spring")) {
        throw new IllegalArgumentException("--orders must be reactor-netty or spring: " + orders);
      }
      if (connectionString != null) {
        try {
          ConnectionString.parse(connectionString);
        } catch (IllegalArgumentException e) {
          // The parser's message never includes the string (it holds the instrumentation key).
          throw new IllegalArgumentException("--connection-string (or APPLICATIONINSIGHTS_CONNECTION_STRING): "
              + e.getMessage(), e);
        }
      }
    }

    /** The defaults: 30 s at 20 requests per second, to the connection string of {@code config}, if any. */
    static Options defaults(WeftConfig config) {
      return parse(new String[0], config);
    }

    /**
     * Parses {@code args}.
     *
     * @throws IllegalArgumentException naming the option and the value when one is unknown or malformed
     */
    static Options parse(String[] args, WeftConfig config) {
      Integer requests = null;
      double rate = 20;
      Duration duration = Duration.ofSeconds(30);
      String connectionString = config.connectionString();
      Path summaryJson = null;
      boolean keepRunning = false;
      String inventory = "vertx";
      String orders = "reactor-netty";
      boolean durationGiven = false;
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "--requests" -> requests = (int) Math.min(Integer.MAX_VALUE, number(arg, value(args, ++i, arg)));
          case "--rate" -> rate = number(arg, value(args, ++i, arg));
          case "--duration" -> {
            duration = duration(value(args, ++i, arg));
            durationGiven = true;
          }
          case "--connection-string" -> connectionString = value(args, ++i, arg);
          case "--summary-json" -> summaryJson = Path.of(value(args, ++i, arg));
          case "--keep-running" -> keepRunning = true;
          case "--inventory" -> inventory = value(args, ++i, arg);
          case "--orders" -> orders = value(args, ++i, arg);
          default -> throw new IllegalArgumentException("unknown option: " + arg);
        }
      }
      long planned = Math.max(1, Math.round(rate * duration.toNanos() / 1e9));
      int total = requests == null ? (int) Math.min(Integer.MAX_VALUE, planned)
          // Both given: stop at whichever limit comes first.
          : durationGiven ? (int) Math.min(requests, planned) : requests;
      return new Options(total, rate, duration, connectionString, summaryJson, keepRunning, inventory, orders);
    }

    private static String value(String[] args, int i, String option) {
      if (i >= args.length) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return args[i];
    }

    private static double number(String option, String value) {
      try {
        return Double.parseDouble(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " must be a number: " + value, e);
      }
    }

    /** {@code 30s}, {@code 500ms}, {@code 2m}, or a number of seconds. */
    static Duration duration(String value) {
      String text = value.trim().toLowerCase(Locale.ROOT);
      try {
        if (text.endsWith("ms")) {
          return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
        } else if (text.endsWith("s")) {
          return Duration.ofMillis(Math.round(Double.parseDouble(text.substring(0, text.length() - 1)) * 1000));
        } else if (text.endsWith("m")) {
          return Duration.ofSeconds(Math.round(Double.parseDouble(text.substring(0, text.length() - 1)) * 60));
        }
        return Duration.ofMillis(Math.round(Double.parseDouble(text) * 1000));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--duration must look like 30s, 500ms, 2m or 30: " + value, e);
      }
    }
  }

  /**
   * What a run produced.
   *
   * @param summary the tables, the trace, the accounting and the problems
   * @param received every item the local endpoint stored (empty when exporting to Azure)
   * @param endpoint the endpoint's counters (null when exporting to Azure)
   * @param metrics the exporter's live counters
   * @param spansProduced sampled spans the two tracers handed to the exporter
   */
  record Result(Summary summary, List<TelemetryItem> received, @Nullable EndpointStats endpoint,
      ExporterMetrics metrics, long spansProduced) {
    boolean ok() {
      return summary.problems().isEmpty();
    }
  }

  /** Runs the example with the options in {@code args}; exits 1 when a span was not accepted, 2 on bad options. */
  public static void main(String[] args) {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.print(Options.USAGE);
      return;
    }
    Options options;
    try {
      options = Options.parse(args, WeftConfig.system());
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.print(Options.USAGE);
      System.exit(2);
      return;
    }
    Result result = run(options, System.out);
    if (!result.ok()) {
      System.err.println("The example failed: " + String.join("; ", result.summary().problems()));
      System.exit(1);
    }
  }

  /**
   * Starts the endpoint (unless a connection string is given), both services and the load; prints progress and the
   * summary to {@code out}; with {@link Options#keepRunning()}, serves until the JVM is stopped.
   */
  static Result run(Options options, PrintStream out) {
    String connectionString = options.connectionString();
    LocalEndpoint endpoint = connectionString == null ? LocalEndpoint.builder().maxStoredItems(1_000_000).start()
        : null;
    AzureMonitorExporterBuilder exporterBuilder = AzureMonitorExporter.builder()
        .connectionString(endpoint != null ? endpoint.connectionString() : Objects.requireNonNull(connectionString));
    if (endpoint != null) {
      exporterBuilder.persistenceDisabled(); // the endpoint lives as long as this run: nothing to resend later
    }
    AzureMonitorExporter exporter = exporterBuilder.build();
    Tracer orders = Tracer.builder().serviceName("orders").sampler(Sampler.alwaysOn()).exporter(exporter).build();
    Tracer inventoryTracer = Tracer.builder().serviceName("inventory").sampler(Sampler.alwaysOn())
        .exporter(exporter).build();
    StockDatabase stockDatabase = null;
    InventoryService inventory = null;
    OrdersServer service = null;
    CountDownLatch closed = new CountDownLatch(1);
    try {
      stockDatabase = StockDatabase.start(inventoryTracer);
      inventory = options.inventory().equals("reactor-netty")
          ? ReactorNettyInventoryService.start(inventoryTracer, stockDatabase.stock())
          : VertxInventoryService.start(inventoryTracer, stockDatabase.stock());
      service = options.orders().equals("spring")
          ? io.weft.examples.spring.SpringOrdersService.start(orders, inventory.baseUrl())
          : OrdersService.start(orders, inventory.baseUrl());
      if (endpoint != null && options.keepRunning()) {
        // First, so that the page can be open while the load runs: it updates as telemetry arrives.
        out.println("Trace viewer: " + endpoint.url());
      }
      out.println(endpoint != null
          ? "Weft example: orders " + service.baseUrl() + " -> inventory " + inventory.baseUrl()
              + ", telemetry to the embedded Application Insights endpoint " + endpoint.url()
          : "Weft example: orders " + service.baseUrl() + " -> inventory " + inventory.baseUrl()
              + ", telemetry to Application Insights (" + exporter.connectionString() + ")");
      out.printf(Locale.ROOT, "Sending %d requests at %.0f/s (%d in flight at most)...%n", options.requests(),
          options.rate(), CONCURRENCY);

      LoadGenerator load = new LoadGenerator(service.baseUrl(), options.requests(), options.rate(), CONCURRENCY);
      LoadGenerator.Report report = awaitWithProgress(load, out);
      if (report.unexpected() > 0) {
        // Where a request that never got an answer may be stuck: spans that started and never ended, sessions held.
        out.printf(Locale.ROOT, "Right after the load: spans still open: orders %d, inventory %d; database: %s%n",
            orders.stats().spansActive(), inventoryTracer.stats().spansActive(), service.databaseState());
      }

      List<String> problems = new ArrayList<>();
      settle(List.of(orders, inventoryTracer), exporter, endpoint, problems);
      long produced = orders.stats().spansExported() + inventoryTracer.stats().spansExported();
      Summary summary = summarize(report, exporter.metrics(), endpoint, produced, problems);
      summary.print(out, endpoint == null ? null : options.keepRunning()
          ? "Browse these requests, their traces, the application map and the failures in the trace viewer: "
              + endpoint.url()
          : "Run with --keep-running to browse these traces in the local endpoint's trace viewer.");
      Path json = options.summaryJson();
      if (json != null) {
        try {
          summary.writeJson(json);
          out.println("Summary written to " + json.toAbsolutePath());
        } catch (IOException e) {
          out.println("Could not write the summary to " + json + ": " + e);
        }
      }
      List<TelemetryItem> received = endpoint != null ? endpoint.store().items() : List.of();
      Result result = new Result(summary, received, endpoint != null ? endpoint.stats() : null, exporter.metrics(),
          produced);
      if (options.keepRunning()) {
        keepRunning(service, endpoint, summary, closed, out);
      }
      return result;
    } finally {
      if (service != null) {
        service.close();
      }
      if (inventory != null) {
        inventory.close();
      }
      if (stockDatabase != null) {
        stockDatabase.close();
      }
      exporter.shutdown().block(Duration.ofSeconds(10));
      if (endpoint != null) {
        endpoint.close();
      }
      closed.countDown();
    }
  }

  /** Waits for the load on this (main) thread, printing a progress line every second. */
  private static LoadGenerator.Report awaitWithProgress(LoadGenerator load, PrintStream out) {
    CompletableFuture<LoadGenerator.Report> done = load.run().toFuture();
    while (true) {
      try {
        return done.get(1, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        LoadGenerator.Report now = load.progress();
        out.printf(Locale.ROOT, "  %4.0f s  sent %d/%d  answered %d  expected 503 %d  unexpected %d%n",
            now.elapsed().toMillis() / 1000d, now.sent(), now.planned(), now.answered(), now.expectedFailures(),
            now.unexpected());
      } catch (ExecutionException e) {
        throw new IllegalStateException("the load generator failed", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while the load was running", e);
      }
    }
  }

  /**
   * Waits (bounded) until every span has ended, the exporter has settled every span it was handed, and the endpoint
   * holds an item for each delivered span; adds what did not happen to {@code problems}.
   */
  private static void settle(List<Tracer> tracers, AzureMonitorExporter exporter, @Nullable LocalEndpoint endpoint,
      List<String> problems) {
    long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
    // A server span ends just after its response is written, so the client may see the answer a moment earlier.
    while (tracers.stream().anyMatch(t -> t.stats().spansActive() > 0) && System.nanoTime() < deadline) {
      sleep(10);
    }
    ExporterMetrics metrics = exporter.metrics();
    while (System.nanoTime() < deadline) {
      exporter.flush().block(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (metrics.pending() == 0 && (endpoint == null || stored(endpoint) >= metrics.delivered())) {
        break;
      }
      sleep(100);
    }
    for (Tracer tracer : tracers) {
      if (tracer.stats().spansActive() > 0) {
        problems.add(tracer.stats().spansActive() + " " + tracer.resource().serviceName()
            + " spans never ended");
      }
    }
    if (metrics.dropped() > 0) {
      problems.add(metrics.dropped() + " spans were dropped: " + metrics.droppedByReason());
    }
    if (metrics.pending() > 0) {
      problems.add(metrics.pending() + " spans were still pending " + SETTLE_TIMEOUT.toSeconds()
          + " s after the load (queued, in flight or waiting to be retried)");
    }
    if (endpoint != null) {
      EndpointStats stats = endpoint.stats();
      if (stats.itemsRejected() > 0) {
        problems.add("the endpoint rejected " + stats.itemsRejected() + " items as invalid");
      }
      if (stored(endpoint) != metrics.delivered()) {
        problems.add("the exporter delivered " + metrics.delivered() + " spans but the endpoint holds "
            + stored(endpoint) + " request and dependency items");
      }
    }
  }

  /** Request and RemoteDependency items the endpoint accepted (one per span), evicted ones included. */
  private static long stored(LocalEndpoint endpoint) {
    return endpoint.store().filter(item -> item.type().equals("Request") || item.type().equals("RemoteDependency"))
        .size() + endpoint.stats().itemsEvicted();
  }

  private static Summary summarize(LoadGenerator.Report report, ExporterMetrics metrics,
      @Nullable LocalEndpoint endpoint, long produced, List<String> problems) {
    if (report.unexpected() > 0) {
      problems.add(report.unexpected() + " requests got an unexpected answer, e.g. "
          + String.join("; ", report.unexpectedSamples()));
    }
    if (produced != metrics.handedOver()) {
      problems.add("the tracers produced " + produced + " spans but the exporter was handed " + metrics.handedOver());
    }
    Summary.Accounting accounting = Summary.Accounting.of(metrics);
    if (endpoint == null) {
      return Summary.exportedToAzure(report, accounting, problems);
    }
    List<TelemetryItem> received = endpoint.store().items();
    // A typical trace: the created order of median duration (the first ones are slow, the JIT is still warming up).
    List<TelemetryItem> created = received.stream()
        .filter(item -> item.type().equals("Request") && "orders".equals(item.tag("ai.cloud.role"))
            && "POST /orders".equals(item.name()) && "201".equals(item.field("responseCode")))
        .sorted(Comparator.comparingDouble(item -> Summary.millis(item.field("duration"))))
        .toList();
    String operationId = created.isEmpty() ? null : created.get(created.size() / 2).operationId();
    List<TraceNode> trace = operationId == null ? List.of() : endpoint.store().trace(operationId);
    return Summary.fromEndpoint(report, accounting, endpoint.stats(), received, operationId, trace, problems);
  }

  /**
   * Serves until the JVM is stopped (Ctrl-C), after printing what to try. The shutdown hook wakes this (main) thread
   * and waits, bounded, until {@code closed} says the caller has shut everything down (the exporter flushes then).
   */
  private static void keepRunning(OrdersServer service, @Nullable LocalEndpoint endpoint, Summary summary,
      CountDownLatch closed, PrintStream out) {
    String orders = service.baseUrl();
    out.println();
    out.println("Serving until Ctrl-C. Try:");
    out.println("  curl -s -X POST " + orders + "/orders -H 'content-type: application/json' \\");
    out.println("       -d '{\"customer\":\"me\",\"lines\":[{\"sku\":\"widget\",\"quantity\":2}]}'");
    out.println("  curl -s " + orders + "/orders/1");
    out.println("  curl -s " + orders + "/orders/1/slow");
    out.println("  curl -s -X POST " + orders + "/orders -H 'content-type: application/json' \\");
    out.println("       -d '{\"customer\":\"me\",\"lines\":[{\"sku\":\"" + Stock.OFFLINE_SKU
        + "\",\"quantity\":1}]}'   # 503: inventory refuses, rolled back");
    if (endpoint != null) {
      String viewer = endpoint.url().replaceAll("/+$", "");
      String api = viewer + "/api";
      String operationId = summary.traceOperationId();
      out.println("and look at what the endpoint received (spans arrive within the exporter's 5 s linger):");
      out.println("  trace viewer:     " + viewer + "/");
      if (operationId != null) {
        out.println("  the trace above:  " + viewer + "/#/trace/" + operationId);
      }
      out.println("  application map:  " + viewer + "/#/map");
      out.println("  failures:         " + viewer + "/#/failures");
      out.println("or as JSON:");
      out.println("  curl -s " + api + "/stats");
      out.println("  curl -s '" + api + "/items?type=Request'");
      out.println("  curl -s " + api + "/traces/" + (operationId != null ? operationId : "<operationId>"));
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopped.countDown();
      try {
        closed.await(15, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "orders-example-stop"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    out.println("Stopping: flushing the exporter.");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
