package io.weft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import io.weft.core.sampler.Sampler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.test.util.RaceTestUtils;
import reactor.util.context.Context;

class MonoSpanTest {
  final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  final Tracer tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();

  @AfterEach
  void noSpanLeaks() {
    assertThat(tracer.stats().spansActive()).as("spans started but never ended").isZero();
  }

  @Test
  void valueEndsTheSpanBeforeDownstreamSeesIt() {
    AtomicInteger seenOnValue = new AtomicInteger(-1);
    StepVerifier.create(Mono.just(1).transform(tracer.mono("work")).doOnNext(v -> seenOnValue.set(exporter.size())))
        .expectNext(1)
        .verifyComplete();
    assertThat(seenOnValue.get()).isEqualTo(1);
    SpanData span = exporter.spans().get(0);
    assertThat(span.name()).isEqualTo("work");
    assertThat(span.kind()).isEqualTo(SpanKind.INTERNAL);
    assertThat(span.status()).isEqualTo(StatusCode.UNSET);
    assertThat(span.cancelled()).isFalse();
  }

  @Test
  void emptyEndsTheSpanOnComplete() {
    StepVerifier.create(Mono.<Integer>empty().transform(tracer.mono("work"))).verifyComplete();
    assertThat(exporter.spans()).hasSize(1);
    assertThat(exporter.spans().get(0).status()).isEqualTo(StatusCode.UNSET);
  }

  @Test
  void errorEndsTheSpanWithStatusAndException() {
    IllegalStateException boom = new IllegalStateException("boom");
    StepVerifier.create(Mono.<Integer>error(boom).transform(tracer.mono("work"))).verifyErrorMessage("boom");
    SpanData span = exporter.spans().get(0);
    assertThat(span.status()).isEqualTo(StatusCode.ERROR);
    assertThat(span.statusDescription()).isEqualTo("boom");
    assertThat(span.exception()).isSameAs(boom);
  }

  @Test
  void cancelEndsSpanAsCancelled() {
    StepVerifier.create(Mono.never().transform(tracer.mono("work")))
        .expectSubscription()
        .thenCancel()
        .verify(Duration.ofSeconds(5));
    SpanData span = exporter.spans().get(0);
    assertThat(span.cancelled()).isTrue();
    assertThat(span.status()).isEqualTo(StatusCode.UNSET);
    assertThat(span.attributes().get("weft.cancelled")).isEqualTo(true);
  }

  @Test
  void timeoutCancelsUpstreamAndEndsItsSpanAsCancelled() {
    StepVerifier.withVirtualTime(() -> Mono.never().transform(tracer.mono("slow")).timeout(Duration.ofSeconds(3)))
        .expectSubscription()
        .thenAwait(Duration.ofSeconds(3))
        .verifyError(java.util.concurrent.TimeoutException.class);
    assertThat(exporter.spans()).singleElement().satisfies(s -> assertThat(s.cancelled()).isTrue());
  }

  @Test
  void oneSpanPerSubscription() {
    Mono<Integer> traced = Mono.just(1).transform(tracer.mono("work"));
    traced.block(Duration.ofSeconds(5));
    traced.block(Duration.ofSeconds(5));
    assertThat(exporter.spans()).hasSize(2);
    assertThat(exporter.spans().get(0).traceId()).isNotEqualTo(exporter.spans().get(1).traceId());
  }

  @Test
  void spanIsStartedAtSubscribeNotAtAssembly() {
    Mono<Integer> traced = Mono.just(1).transform(tracer.mono("work"));
    assertThat(tracer.stats().spansStarted()).isZero();
    traced.block(Duration.ofSeconds(5));
    assertThat(tracer.stats().spansStarted()).isEqualTo(1);
  }

  @Test
  void retryYieldsOneSpanPerAttemptWithTheSameParent() {
    AtomicInteger attempts = new AtomicInteger();
    Mono<String> flaky = Mono.fromCallable(() -> {
      if (attempts.incrementAndGet() < 3) {
        throw new IllegalStateException("attempt " + attempts.get());
      }
      return "ok";
    });
    StepVerifier.create(flaky.transform(tracer.mono("attempt")).retry(2).transform(tracer.mono("caller")))
        .expectNext("ok")
        .verifyComplete();
    List<SpanData> spans = exporter.spans();
    assertThat(spans).extracting(SpanData::name).containsExactly("attempt", "attempt", "attempt", "caller");
    SpanData caller = spans.get(3);
    assertThat(spans.subList(0, 3)).allSatisfy(s -> {
      assertThat(s.parentSpanId()).isEqualTo(caller.spanId());
      assertThat(s.traceId()).isEqualTo(caller.traceId());
    });
    assertThat(spans.subList(0, 2)).allSatisfy(s -> assertThat(s.status()).isEqualTo(StatusCode.ERROR));
    assertThat(spans.get(2).status()).isEqualTo(StatusCode.UNSET);
    assertThat(spans.subList(0, 3)).extracting(SpanData::spanId).doesNotHaveDuplicates();
  }

  @Test
  void retryInsideTheSpanIsOneSpan() {
    AtomicInteger attempts = new AtomicInteger();
    Mono<String> flaky = Mono.fromCallable(() -> {
      if (attempts.incrementAndGet() < 3) {
        throw new IllegalStateException("again");
      }
      return "ok";
    });
    StepVerifier.create(flaky.retry(2).transform(tracer.mono("whole"))).expectNext("ok").verifyComplete();
    assertThat(exporter.spans()).hasSize(1);
  }

  @Test
  void repeatYieldsOneSpanPerRound() {
    StepVerifier.create(Mono.just(1).transform(tracer.mono("round")).repeat(2).collectList()
            .transform(tracer.mono("caller")))
        .expectNext(List.of(1, 1, 1))
        .verifyComplete();
    List<SpanData> spans = exporter.spans();
    assertThat(spans).extracting(SpanData::name).containsExactly("round", "round", "round", "caller");
    assertThat(spans.subList(0, 3)).allSatisfy(s -> assertThat(s.parentSpanId()).isEqualTo(spans.get(3).spanId()));
  }

  @Test
  void nestedSpansFormAChain() {
    Mono<Integer> inner = Mono.just(1).transform(tracer.mono("inner"));
    Mono<Integer> middle = Mono.just(0).flatMap(x -> inner).transform(tracer.mono("middle"));
    StepVerifier.create(middle.transform(tracer.mono("outer"))).expectNext(1).verifyComplete();
    List<SpanData> spans = exporter.spans();
    assertThat(spans).extracting(SpanData::name).containsExactly("inner", "middle", "outer");
    assertThat(spans.get(0).parentSpanId()).isEqualTo(spans.get(1).spanId());
    assertThat(spans.get(1).parentSpanId()).isEqualTo(spans.get(2).spanId());
    assertThat(spans.get(2).parentSpanId()).isNull();
    assertThat(spans).extracting(SpanData::localRootName).containsOnly("outer");
  }

  @Test
  void theSpanIsCurrentInTheContextUpstream() {
    StepVerifier.create(Mono.deferContextual(ctx -> Mono.just(Span.fromContext(ctx)))
            .transform(tracer.mono("work")))
        .assertNext(span -> {
          assertThat(span.context().isValid()).isTrue();
          assertThat(span.context()).isEqualTo(exporter.spans().get(0).spanContext());
          assertThat(span.isEnded()).as("a Mono's span ends before its value goes downstream").isTrue();
        })
        .verifyComplete();
  }

  @Test
  void usersCanAnnotateTheCurrentSpanFromInsideThePipeline() {
    Mono<Integer> annotated = Mono.deferContextual(ctx -> {
      Span.fromContext(ctx).setAttribute("order.id", "o-1");
      return Mono.just(1);
    });
    StepVerifier.create(annotated.transform(tracer.mono("work"))).expectNext(1).verifyComplete();
    assertThat(exporter.spans().get(0).attributes().get("order.id")).isEqualTo("o-1");
  }

  @Test
  void builderFormSetsKindAndAttributes() {
    StepVerifier.create(Mono.just("r").transform(tracer.spanBuilder("call").kind(SpanKind.CLIENT)
            .attribute("k", "v").attribute("n", 3L).mono((span, value) -> span.setAttribute("result", value))))
        .expectNext("r")
        .verifyComplete();
    SpanData span = exporter.spans().get(0);
    assertThat(span.kind()).isEqualTo(SpanKind.CLIENT);
    assertThat(span.attributes().asMap()).containsEntry("k", "v").containsEntry("n", 3L)
        .containsEntry("result", "r");
  }

  @Test
  void failingValueCallbackLeavesTheSignalUnchanged() {
    StepVerifier.create(Mono.just("r").transform(tracer.spanBuilder("call")
            .mono((span, value) -> {
              throw new IllegalStateException("callback bug");
            })))
        .expectNext("r")
        .verifyComplete();
    assertThat(tracer.stats().callbackFailures()).isEqualTo(1);
    assertThat(exporter.spans()).hasSize(1);
  }

  @Test
  void throwingExporterNeverReachesThePipeline() {
    Tracer t = Tracer.builder().serviceName("svc").exporter(span -> {
      throw new IllegalStateException("exporter bug");
    }).build();
    StepVerifier.create(Mono.just(1).transform(t.mono("x"))).expectNext(1).verifyComplete();
    StepVerifier.create(Mono.error(new RuntimeException("user error")).transform(t.mono("x")))
        .verifyErrorMessage("user error");
    assertThat(t.stats().exporterFailures()).isEqualTo(2);
  }

  @Test
  void parentFromThreadLocalScopeWhenTheContextHasNone() {
    Mono<Integer> assembledInside;
    String outerSpanId;
    try (SpanScope scope = tracer.spanBuilder("imperative").startScoped()) {
      outerSpanId = scope.span().context().spanId();
      assembledInside = Mono.just(1).transform(tracer.mono("reactive"));
      assembledInside.block(Duration.ofSeconds(5));
    }
    assertThat(exporter.spans().get(0).name()).isEqualTo("reactive");
    assertThat(exporter.spans().get(0).parentSpanId()).isEqualTo(outerSpanId);
  }

  @Test
  void threadLocalIsTheSpanDuringSynchronousSubscription() {
    StepVerifier.create(Mono.fromCallable(() -> {
              try (SpanScope imperative = tracer.spanBuilder("imperative").startScoped()) {
                return imperative.span().context().spanId();
              }
            }).transform(tracer.mono("reactive")))
        .expectNextCount(1)
        .verifyComplete();
    assertThat(exporter.spans()).extracting(SpanData::name).containsExactly("imperative", "reactive");
    assertThat(exporter.spans().get(0).parentSpanId()).isEqualTo(exporter.spans().get(1).spanId());
    assertThat(Span.current()).isSameAs(Span.invalid());
  }

  @Test
  void threadLocalIsTheSpanUpstreamAndTheOuterSpanDownstream() {
    try (SpanScope outer = tracer.spanBuilder("outer").startScoped()) {
      Span[] seen = new Span[2];
      Mono.just(1)
          .map(v -> seen[0] = Span.current())
          .transform(tracer.mono("inner"))
          .map(v -> seen[1] = Span.current())
          .block(Duration.ofSeconds(5));
      assertThat(seen[0].context()).isEqualTo(exporter.spans().get(0).spanContext());
      assertThat(seen[1]).isSameAs(outer.span());
    }
    assertThat(Span.current()).isSameAs(Span.invalid());
  }

  @Test
  void unsampledRootStillPropagatesAContext() {
    Tracer off = Tracer.builder().serviceName("svc").sampler(Sampler.alwaysOff()).exporter(exporter).build();
    StepVerifier.create(Mono.deferContextual(ctx -> Mono.just(Span.fromContext(ctx).context())).transform(off.mono("x")))
        .assertNext(context -> {
          assertThat(context.isValid()).isTrue();
          assertThat(context.isSampled()).isFalse();
        })
        .verifyComplete();
    assertThat(exporter.spans()).isEmpty();
  }

  @Test
  void unsampledParentInContextIsKeptAndNoSpanIsCreated() {
    Tracer off = Tracer.builder().serviceName("svc").sampler(Sampler.alwaysOff()).exporter(exporter).build();
    Span parent = off.spanBuilder("parent").start();
    StepVerifier.create(Mono.deferContextual(ctx -> Mono.just(Span.fromContext(ctx))).transform(off.mono("child"))
            .contextWrite(Context.of(ContextKeys.SPAN, parent)))
        .assertNext(current -> assertThat(current).isSameAs(parent))
        .verifyComplete();
    assertThat(exporter.spans()).isEmpty();
  }

  @Test
  void cancelRacingCompleteEndsTheSpanExactlyOnce() {
    for (int i = 0; i < 2_000; i++) {
      Sinks.One<Integer> sink = Sinks.one();
      AtomicSubscriber subscriber = new AtomicSubscriber();
      sink.asMono().transform(tracer.mono("race")).subscribe(subscriber);
      RaceTestUtils.race(() -> sink.tryEmitValue(1), () -> subscriber.subscription.cancel());
    }
    assertThat(exporter.spans()).hasSize(2_000);
    assertThat(exporter.spans()).extracting(SpanData::spanId).doesNotHaveDuplicates();
    assertThat(tracer.stats().spansEnded()).isEqualTo(2_000);
  }

  @Test
  void errorAfterTerminationIsDroppedNotRethrown() {
    TestPublisher<Integer> publisher = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
    StepVerifier.create(publisher.mono().transform(tracer.mono("x")))
        .then(() -> publisher.emit(1))
        .expectNext(1)
        .verifyComplete();
    assertThat(exporter.spans()).hasSize(1);
  }

  @Test
  void fromFutureAndCompletionStageKeepTheParent() {
    Mono<Integer> chain = Mono.fromFuture(() -> CompletableFuture.supplyAsync(() -> 1))
        .flatMap(v -> Mono.fromCompletionStage(CompletableFuture.supplyAsync(() -> v + 1)))
        .flatMap(v -> Mono.just(v).transform(tracer.mono("after-futures")))
        .transform(tracer.mono("root"));
    StepVerifier.create(chain).expectNext(2).verifyComplete();
    assertThat(exporter.spans().get(0).parentSpanId()).isEqualTo(exporter.spans().get(1).spanId());
  }

  @Test
  void scanSubscriber() {
    CoreSubscriber<Integer> actual = new AtomicSubscriber();
    SpanTemplate template = new SpanTemplate(tracer, "scan", SpanKind.INTERNAL, Attributes.NO_ENTRIES, 0, null, false,
        null, null);
    SpanSubscriber<Integer> test = template.subscriber(actual, true);
    assertThat(test).isNotNull();
    Subscription parent = reactor.core.publisher.Operators.emptySubscription();
    test.onSubscribe(parent);
    assertThat(test.scan(Scannable.Attr.PARENT)).isSameAs(parent);
    assertThat(test.scanUnsafe(Scannable.Attr.ACTUAL)).isSameAs(actual);
    assertThat(test.scan(Scannable.Attr.RUN_STYLE)).isSameAs(Scannable.Attr.RunStyle.SYNC);
    assertThat(test.scan(Scannable.Attr.TERMINATED)).isFalse();
    assertThat(test.scan(Scannable.Attr.CANCELLED)).isFalse();
    test.onComplete();
    assertThat(test.scan(Scannable.Attr.TERMINATED)).isTrue();
    test.cancel();
    assertThat(test.scan(Scannable.Attr.CANCELLED)).isTrue();
    assertThat(exporter.spans()).hasSize(1);
  }

  @Test
  void scanOperator() {
    Mono<Integer> source = Mono.just(1);
    Mono<Integer> traced = source.transform(tracer.mono("x"));
    assertThat(Scannable.from(traced).scan(Scannable.Attr.PARENT)).isSameAs(source);
    assertThat(Scannable.from(traced).scan(Scannable.Attr.RUN_STYLE)).isSameAs(Scannable.Attr.RunStyle.SYNC);
  }

  static final class AtomicSubscriber implements CoreSubscriber<Integer> {
    volatile Subscription subscription;

    @Override
    public void onSubscribe(Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(Integer integer) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onComplete() {}
  }
}
