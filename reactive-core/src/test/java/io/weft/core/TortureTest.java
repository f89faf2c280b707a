package io.weft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * 10,000 independent traces, each a root Mono fanning out with {@code flatMap(…, 64)} onto the parallel and
 * bounded-elastic schedulers, with nested traced operators and retries. Every span records, as an attribute, the
 * span id its creator expected as parent; the test then checks the recorded tree against it.
 */
class TortureTest {
  static final int TRACES = 10_000;

  final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  final Tracer tracer = Tracer.builder().serviceName("torture").exporter(exporter).build();
  final Map<String, AtomicInteger> attemptsByKey = new ConcurrentHashMap<>();

  @Test
  void noCrossTalkNoOrphanNoDuplicateEveryEndExactlyOnce() {
    AtomicInteger expectedSpans = new AtomicInteger();
    Flux.range(0, TRACES)
        .flatMap(i -> trace(i, expectedSpans), 64)
        .then()
        .block(Duration.ofMinutes(2));

    List<SpanData> spans = exporter.awaitSpans(expectedSpans.get(), Duration.ofSeconds(30));
    assertThat(spans).hasSize(expectedSpans.get());
    assertThat(spans).extracting(SpanData::spanId).doesNotHaveDuplicates();
    assertThat(tracer.stats().spansStarted()).isEqualTo(tracer.stats().spansEnded());
    assertThat(tracer.stats().spansEnded()).isEqualTo(spans.size());

    Map<String, SpanData> byId = new HashMap<>();
    spans.forEach(s -> byId.put(s.spanId(), s));
    Map<String, Integer> rootsPerTrace = new HashMap<>();
    for (SpanData span : spans) {
      String trace = (String) span.attributes().get("trace");
      assertThat(trace).isNotNull();
      if (span.name().equals("root")) {
        assertThat(span.parentSpanId()).isNull();
        rootsPerTrace.merge(span.traceId(), 1, Integer::sum);
        continue;
      }
      String parentId = span.parentSpanId();
      assertThat(parentId).as("orphan: %s", span).isNotNull();
      SpanData parent = byId.get(parentId);
      assertThat(parent).as("parent of %s was recorded", span).isNotNull();
      assertThat(parent.traceId()).isEqualTo(span.traceId());
      assertThat(parent.name()).isEqualTo(span.attributes().get("expectedParent"));
      assertThat(parent.attributes().get("trace")).as("cross-talk").isEqualTo(trace);
      assertThat(parent.attributes().get("path")).isEqualTo(span.attributes().get("parentPath"));
    }
    assertThat(rootsPerTrace).hasSize(TRACES).allSatisfy((traceId, roots) -> assertThat(roots).isEqualTo(1));
  }

  private Mono<Integer> trace(int i, AtomicInteger expectedSpans) {
    String trace = "t" + i;
    int fanOut = 1 + ThreadLocalRandom.current().nextInt(4);
    // root + per branch: branch + leaf attempts (1 or 2) + nested
    Mono<Integer> branches = Flux.range(0, fanOut)
        .flatMap(b -> branch(trace, b, expectedSpans)
            .subscribeOn(b % 2 == 0 ? Schedulers.parallel() : Schedulers.boundedElastic()), 64)
        .reduce(0, Integer::sum);
    expectedSpans.incrementAndGet();
    return branches.transform(named("root", trace, "root", null, null));
  }

  private Mono<Integer> branch(String trace, int b, AtomicInteger expectedSpans) {
    String path = "root/b" + b;
    boolean flaky = b % 2 == 1;
    String key = trace + path;
    Mono<Integer> leaf = Mono.fromCallable(() -> {
      if (flaky && attemptsByKey.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet() == 1) {
        throw new IllegalStateException("first attempt fails");
      }
      return 1;
    }).transform(named("leaf", trace, path + "/leaf", "branch", path)).retry(1);
    Mono<Integer> nested = Mono.just(1).publishOn(Schedulers.parallel())
        .transform(named("nested", trace, path + "/nested", "branch", path));
    expectedSpans.addAndGet(1 + (flaky ? 2 : 1) + 1);
    return leaf.flatMap(v -> nested.map(n -> n + v))
        .transform(named("branch", trace, path, "root", "root"));
  }

  private <T> java.util.function.Function<Mono<T>, Mono<T>> named(
      String name, String trace, String path, String expectedParent, String parentPath) {
    SpanBuilder builder = tracer.spanBuilder(name).attribute("trace", trace).attribute("path", path);
    if (expectedParent != null) {
      builder.attribute("expectedParent", expectedParent).attribute("parentPath", parentPath);
    }
    return builder.mono();
  }
}
