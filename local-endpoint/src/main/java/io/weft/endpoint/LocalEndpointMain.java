package io.weft.endpoint;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;

/**
 * Runs a {@link LocalEndpoint} from the command line until interrupted:
 * {@code java -jar weft-local-endpoint-<version>-all.jar --port 8089 --store telemetry.jsonl}.
 */
public final class LocalEndpointMain {
  private static final String USAGE = String.join("\n",
      "usage: local-endpoint [--port N] [--host ADDRESS] [--store FILE] [--ikey KEY] [--max-items N] [--count-only]",
      "  --port N        port to listen on (default 8089; 0 picks a free one)",
      "  --host ADDRESS  address to bind (default 127.0.0.1)",
      "  --store FILE    also append accepted envelopes to FILE (JSON lines)",
      "  --ikey KEY      accept only this instrumentation key (default: any)",
      "  --max-items N   items kept in memory for queries (default 100000)",
      "  --count-only    throughput mode: count items, no validation or storage");

  private LocalEndpointMain() {}

  public static void main(String[] args) throws InterruptedException {
    LocalEndpoint.Builder builder;
    try {
      builder = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("local-endpoint: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    if (builder == null) {
      System.out.println(USAGE);
      return;
    }
    LocalEndpoint endpoint = start(builder, System.err);
    if (endpoint == null) {
      System.exit(2);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      endpoint.close();
      stopped.countDown();
    }, "local-endpoint-shutdown"));
    describe(endpoint, System.out);
    stopped.await();
  }

  /**
   * Starts the endpoint; when it cannot (the port is taken, the address is not this machine's), says why in one line
   * on {@code err} and returns null.
   */
  static @Nullable LocalEndpoint start(LocalEndpoint.Builder builder, PrintStream err) {
    try {
      return builder.start();
    } catch (RuntimeException e) {
      Throwable cause = e;
      while (cause.getCause() != null && cause.getCause() != cause) {
        cause = cause.getCause();
      }
      String reason = cause == e || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")";
      err.println("local-endpoint: cannot start: " + e.getMessage() + reason);
      return null;
    }
  }

  static void describe(LocalEndpoint endpoint, PrintStream out) {
    out.println("Weft local Application Insights endpoint listening on " + endpoint.url());
    out.println("  trace viewer:      " + endpoint.url());
    out.println("  connection string: " + endpoint.connectionString());
    out.println("  ingestion:         POST " + endpoint.url() + "v2.1/track");
    out.println("  queries:           GET " + endpoint.url() + "api/stats | api/items?operationId=… | api/traces/{id}"
        + " | api/operations | api/map | api/failures");
    out.println("Press Ctrl-C to stop.");
  }

  /** The builder for {@code args}, or null when help was asked for. */
  static LocalEndpoint.@Nullable Builder parse(String[] args) {
    LocalEndpoint.Builder builder = LocalEndpoint.builder().port(8089);
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "-h", "--help" -> {
          return null;
        }
        case "--port" -> builder.port(intValue(arg, value(args, ++i, arg)));
        case "--host" -> builder.host(value(args, ++i, arg));
        case "--store" -> builder.storeFile(Path.of(value(args, ++i, arg)));
        case "--ikey" -> builder.instrumentationKey(value(args, ++i, arg));
        case "--max-items" -> builder.maxStoredItems(intValue(arg, value(args, ++i, arg)));
        case "--count-only" -> builder.countOnly(true);
        default -> throw new IllegalArgumentException("unknown option: " + arg);
      }
    }
    return builder;
  }

  private static String value(String[] args, int index, String option) {
    if (index >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[index];
  }

  private static int intValue(String option, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a number: " + value);
    }
  }
}
