package io.weft.examples;

import io.weft.core.Span;
import io.weft.core.SpanKind;
import io.weft.core.SpanScope;
import io.weft.core.Tracer;
import io.weft.core.WeftConfig;
import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import io.weft.core.instrumentation.SemanticAttributes;
import io.weft.core.sampler.Sampler;
import io.weft.endpoint.LocalEndpoint;
import io.weft.endpoint.TraceNode;
import io.weft.exporter.azure.AzureMonitorExporter;
import io.weft.exporter.azure.AzureMonitorExporterBuilder;
import io.weft.exporter.azure.ExporterMetrics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A minimal traced program, exporting for real: the Java version of OpenCensus Python's in-process dependency example (a tracer with
 * an Application Insights exporter and a probability sampler, an in-process span around work), then a reactive
 * "order" that hops schedulers, fans out and retries. Telemetry goes to an embedded local endpoint, or to Azure when
 * {@code APPLICATIONINSIGHTS_CONNECTION_STRING} is set. The smaller companion of {@link OrdersExample}: {@code mvn -q
 * -pl examples -am compile exec:java -Dweft.example.main=io.weft.examples.QuickStart}.
 */
public final class QuickStart {

  private QuickStart() {}

  public static void main(String[] args) {
    Result result = run(System.out, WeftConfig.system().connectionString());
    if (!result.allDelivered()) {
      System.err.println("Not every span was delivered: " + result.metrics());
      System.exit(1);
    }
  }

  /** What a run produced. */
  record Result(List<SpanData> spans, ExporterMetrics metrics, @Nullable List<TraceNode> received) {
    boolean allDelivered() {
      return metrics.delivered() == metrics.handedOver() && metrics.pending() == 0;
    }
  }

  /** Runs the example, printing to {@code out}; exports to {@code connectionString}, or to a local endpoint. */
  static Result run(PrintStream out, @Nullable String connectionString) {
    LocalEndpoint local = connectionString == null ? LocalEndpoint.start() : null;
    String target = local != null ? local.connectionString() : java.util.Objects.requireNonNull(connectionString);
    out.println(local != null ? "Exporting to an embedded Application Insights endpoint at " + local.url()
        : "Exporting to Application Insights (APPLICATIONINSIGHTS_CONNECTION_STRING)");
    try {
      AzureMonitorExporterBuilder exporterBuilder = AzureMonitorExporter.builder().connectionString(target);
      if (local != null) {
        exporterBuilder.persistenceDisabled(); // the embedded endpoint lives as long as this run: nothing to keep
      }
      AzureMonitorExporter exporter = exporterBuilder.build();
      InMemorySpanExporter recorder = InMemorySpanExporter.create();
      Tracer tracer = Tracer.builder()
          .serviceName("quickstart")
          .sampler(Sampler.probability(1.0))
          .exporter(exporter)
          .exporter(recorder)
          .build();

      // with tracer.span(name='foo'): print('Hello, World!')
      try (SpanScope scope = tracer.spanBuilder("foo").startScoped()) {
        out.println("Hello, World!");
        scope.span().setAttribute("greeting", "Hello, World!");
      }

      AtomicInteger attempts = new AtomicInteger();
      // A reactive request: one span per operator subscription, parentage kept across every scheduler hop.
      Mono<Integer> order = Mono.fromCallable(() -> 42)
          .transform(tracer.spanBuilder("load-order").kind(SpanKind.CLIENT)
              .attribute(SemanticAttributes.DB_SYSTEM, "h2")
              .attribute(SemanticAttributes.DB_NAMESPACE, "orders")
              .attribute(SemanticAttributes.DB_QUERY_TEXT, "SELECT * FROM orders WHERE id = ?")
              .mono())
          .publishOn(Schedulers.parallel())
          .flatMap(id -> Flux.range(1, 3)
              .flatMap(item -> Mono.just(item * 10)
                  .transform(tracer.spanBuilder("price-item").attribute("item", (long) item).mono())
                  .subscribeOn(Schedulers.boundedElastic()))
              .reduce(Integer::sum))
          .flatMap(total -> flakyPayment(total, attempts).transform(tracer.mono("charge-card")).retry(1))
          // The current span of a pipeline lives in the Reactor context: read it there to annotate it.
          .<Integer>handle((total, sink) -> {
            Span.fromContext(sink.contextView()).setAttribute("order.total", (long) total);
            sink.next(total);
          })
          .transform(tracer.spanBuilder("GET /orders/42").kind(SpanKind.SERVER)
              .attribute(SemanticAttributes.HTTP_REQUEST_METHOD, "GET")
              .attribute(SemanticAttributes.URL_FULL, "http://localhost/orders/42")
              .attribute(SemanticAttributes.HTTP_RESPONSE_STATUS_CODE, 200L).mono());

      out.println("order total: " + order.block(Duration.ofSeconds(10)));
      tracer.shutdown().block(Duration.ofSeconds(30));

      List<SpanData> spans = recorder.spans();
      out.println();
      out.println("Recorded spans (" + spans.size() + "), as trees:");
      printTrees(spans, out);
      List<TraceNode> received = null;
      if (local != null) {
        String operationId = spans.stream().filter(s -> s.name().equals("GET /orders/42")).findFirst()
            .map(SpanData::traceId).orElse("");
        received = local.store().trace(operationId);
        out.println();
        out.println("Received by the endpoint for operation " + operationId + ":");
        received.forEach(tree -> out.print(tree.render().indent(2)));
      }
      out.println();
      out.println("Exporter: " + exporter.metrics());
      return new Result(spans, exporter.metrics(), received);
    } finally {
      if (local != null) {
        local.close();
      }
    }
  }

  /** Fails the first attempt, so the retry shows up as two sibling spans. */
  private static Mono<Integer> flakyPayment(int total, AtomicInteger attempts) {
    return Mono.defer(() -> attempts.getAndIncrement() == 0
        ? Mono.error(new IllegalStateException("card declined (transient)"))
        : Mono.just(total));
  }

  static void printTrees(List<SpanData> spans, PrintStream out) {
    Map<String, List<SpanData>> children = new HashMap<>();
    List<SpanData> roots = new ArrayList<>();
    for (SpanData span : spans) {
      String parent = span.parentSpanId();
      if (parent == null) {
        roots.add(span);
      } else {
        children.computeIfAbsent(parent, k -> new ArrayList<>()).add(span);
      }
    }
    roots.sort(Comparator.comparingLong(SpanData::startEpochNanos));
    for (SpanData root : roots) {
      out.println("trace " + root.traceId());
      print(root, children, "  ", out);
    }
  }

  private static void print(SpanData span, Map<String, List<SpanData>> children, String indent, PrintStream out) {
    out.printf("%s%-8s %-16s %8.3f ms  span=%s%s%s%n", indent, span.kind(), span.name(),
        span.durationNanos() / 1e6, span.spanId(),
        span.status() == io.weft.core.StatusCode.ERROR ? "  ERROR: " + span.statusDescription() : "",
        span.attributes().isEmpty() ? "" : "  " + span.attributes());
    List<SpanData> kids = new ArrayList<>(children.getOrDefault(span.spanId(), List.of()));
    kids.sort(Comparator.comparingLong(SpanData::startEpochNanos));
    for (SpanData child : kids) {
      print(child, children, indent + "  ", out);
    }
  }
}
