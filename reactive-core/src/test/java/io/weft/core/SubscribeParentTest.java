package io.weft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * While downstream's {@code onSubscribe} runs, the current span is downstream's (the parent), not the
 * child span whose operator is calling it. Without Reactor's automatic context propagation; see
 * {@link AutomaticContextPropagationTest} for the same with it.
 */
class SubscribeParentTest {
  final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  final Tracer tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();

  @AfterEach
  void noSpanLeaks() {
    assertThat(tracer.stats().spansActive()).as("spans started but never ended").isZero();
    assertThat(Span.current()).isSameAs(Span.invalid());
  }

  @Test
  void gh16_doOnSubscribeSawTheChildSpan() {
    AtomicReference<Span> seen = new AtomicReference<>();
    try (SpanScope outer = tracer.spanBuilder("outer").startScoped()) {
      Mono.just(1).transform(tracer.mono("child")).doOnSubscribe(s -> seen.set(Span.current()))
          .block(Duration.ofSeconds(5));
      assertThat(seen.get()).isSameAs(outer.span());
    }
  }

  @Test
  void gh16_aSpanStartedInDownstreamOnSubscribeIsTheChildsSibling() {
    // A subscriber that does traced work when it is subscribed, as an integration's first request might.
    try (SpanScope outer = tracer.spanBuilder("outer").startScoped()) {
      Flux.range(0, 3).transform(tracer.flux("child")).subscribe(new BaseSubscriber<Integer>() {
        @Override
        protected void hookOnSubscribe(Subscription subscription) {
          tracer.spanBuilder("on-subscribe").start().end();
          requestUnbounded();
        }
      });
      SpanData onSubscribe = exporter.spans().stream().filter(s -> s.name().equals("on-subscribe")).findFirst()
          .orElseThrow();
      assertThat(onSubscribe.parentSpanId()).isEqualTo(outer.span().context().spanId());
    }
  }

  @Test
  void gh16_theFirstRequestStillRunsUpstreamWithTheChildSpan() {
    List<String> seen = new CopyOnWriteArrayList<>();
    try (SpanScope outer = tracer.spanBuilder("outer").startScoped()) {
      Flux.range(0, 2)
          .doOnRequest(n -> seen.add(Span.current().context().spanId()))
          .transform(tracer.flux("child"))
          .subscribe(new CoreSubscriber<Integer>() {
            @Override
            public void onSubscribe(Subscription s) {
              seen.add(Span.current().context().spanId());
              s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(Integer value) {}

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onComplete() {}
          });
      String child = exporter.spans().stream().filter(s -> s.name().equals("child")).findFirst().orElseThrow()
          .spanId();
      assertThat(seen).containsExactly(outer.span().context().spanId(), child);
    }
  }
}
