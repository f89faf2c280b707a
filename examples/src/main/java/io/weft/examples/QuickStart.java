package io.weft.examples;

import io.weft.core.Span;
import io.weft.core.SpanKind;
import io.weft.core.SpanScope;
import io.weft.core.Tracer;
import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import io.weft.core.sampler.Sampler;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A minimal traced program: the Java version of the seed page's first snippet (a tracer with an exporter and a
 * probability sampler, an in-process span around work), then a reactive "order" that hops schedulers, fans out and
 * retries, with the span tree printed at the end. It runs until the example service (issue #8) replaces it as the
 * README's main job.
 */
public final class QuickStart {

  private QuickStart() {}

  public static void main(String[] args) {
    run(System.out);
  }

  /** Runs the example, printing to {@code out}; returns the spans it recorded. */
  static List<SpanData> run(PrintStream out) {
    InMemorySpanExporter recorder = InMemorySpanExporter.create();
    Tracer tracer = Tracer.builder()
        .serviceName("quickstart")
        .sampler(Sampler.probability(1.0))
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
        .transform(tracer.spanBuilder("load-order").kind(SpanKind.CLIENT).attribute("db.system", "h2").mono())
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
        .transform(tracer.spanBuilder("GET /orders/42").kind(SpanKind.SERVER).mono());

    out.println("order total: " + order.block(Duration.ofSeconds(10)));
    tracer.flush().block(Duration.ofSeconds(5));

    List<SpanData> spans = recorder.spans();
    out.println();
    out.println("Recorded spans (" + spans.size() + "), as trees:");
    printTrees(spans, out);
    out.println();
    out.println(tracer.stats());
    return spans;
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
      if (span.parentSpanId() == null) {
        roots.add(span);
      } else {
        children.computeIfAbsent(span.parentSpanId(), k -> new ArrayList<>()).add(span);
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
