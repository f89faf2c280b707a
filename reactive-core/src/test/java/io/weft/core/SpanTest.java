package io.weft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.export.InMemorySpanExporter;
import io.weft.core.export.SpanData;
import io.weft.core.export.SpanExporter;
import io.weft.core.sampler.Sampler;
import org.junit.jupiter.api.Test;

class SpanTest {
  final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  final Tracer tracer = Tracer.builder().serviceName("svc").serviceInstance("host-1").exporter(exporter).build();

  @Test
  void recordsEverythingAndEndsOnce() {
    IllegalStateException boom = new IllegalStateException("boom");
    Span span = tracer.spanBuilder("work").kind(SpanKind.CLIENT).attribute("a", "x").start();
    span.setAttribute("b", 2L).setAttribute("c", 1.5).setAttribute("d", true).setAttribute("a", "y");
    span.recordException(boom).setStatus(StatusCode.ERROR, "failed");
    assertThat(span.isRecording()).isTrue();
    span.end();
    span.end();
    span.setAttribute("late", "ignored");
    span.setStatus(StatusCode.OK, null);

    assertThat(exporter.spans()).hasSize(1);
    SpanData data = exporter.spans().get(0);
    assertThat(data.name()).isEqualTo("work");
    assertThat(data.kind()).isEqualTo(SpanKind.CLIENT);
    assertThat(data.attributes().asMap()).containsExactly(
        java.util.Map.entry("a", "y"), java.util.Map.entry("b", 2L), java.util.Map.entry("c", 1.5),
        java.util.Map.entry("d", true));
    assertThat(data.status()).isEqualTo(StatusCode.ERROR);
    assertThat(data.statusDescription()).isEqualTo("failed");
    assertThat(data.exception()).isSameAs(boom);
    assertThat(data.parentSpanId()).isNull();
    assertThat(data.traceId()).hasSize(32).isNotEqualTo("0".repeat(32));
    assertThat(data.spanId()).hasSize(16);
    assertThat(data.durationNanos()).isNotNegative();
    assertThat(data.resource()).isEqualTo(new Resource("svc", "host-1", WeftConfig.weftVersion()));
    assertThat(data.samplingPercentage()).isEqualTo(100.0);
    assertThat(data.cancelled()).isFalse();
    assertThat(span.isEnded()).isTrue();
    assertThat(span.isRecording()).isFalse();
    assertThat(tracer.stats().spansStarted()).isEqualTo(1);
    assertThat(tracer.stats().spansEnded()).isEqualTo(1);
  }

  @Test
  void okIsFinalAndUnsetIsIgnored() {
    Span span = tracer.spanBuilder("work").start();
    span.setStatus(StatusCode.OK, "ignored description");
    span.setStatus(StatusCode.ERROR, "too late");
    span.setStatus(StatusCode.UNSET, null);
    span.end();
    assertThat(exporter.spans().get(0).status()).isEqualTo(StatusCode.OK);
    assertThat(exporter.spans().get(0).statusDescription()).isNull();
  }

  @Test
  void keepsTheFirstException() {
    Span span = tracer.spanBuilder("work").start();
    RuntimeException first = new RuntimeException("first");
    span.recordException(first).recordException(new RuntimeException("second"));
    span.end();
    assertThat(exporter.spans().get(0).exception()).isSameAs(first);
  }

  @Test
  void attributeLimitsAreEnforcedAndCounted() {
    Span span = tracer.spanBuilder("work").start();
    for (int i = 0; i < SpanLimits.MAX_ATTRIBUTES + 10; i++) {
      span.setAttribute("k" + i, i);
    }
    span.setAttribute("big", "x".repeat(SpanLimits.MAX_VALUE_LENGTH + 100));
    span.setAttribute("k0", "replacing an existing key still works at the limit");
    span.end();
    SpanData data = exporter.spans().get(0);
    assertThat(data.attributes().size()).isEqualTo(SpanLimits.MAX_ATTRIBUTES);
    assertThat(data.attributes().get("k0")).isEqualTo("replacing an existing key still works at the limit");
    assertThat(data.droppedAttributesCount()).isEqualTo(11);
    assertThat(tracer.stats().attributesDropped()).isEqualTo(11);
    assertThat(tracer.stats().valuesTruncated()).isEqualTo(1);
  }

  @Test
  void longValuesAndNamesAreTruncatedAndCounted() {
    Span span = tracer.spanBuilder("n".repeat(2000)).start();
    span.setAttribute("v", "x".repeat(10_000));
    span.end();
    SpanData data = exporter.spans().get(0);
    assertThat(data.name()).hasSize(SpanLimits.MAX_NAME_LENGTH);
    assertThat((String) data.attributes().get("v")).hasSize(SpanLimits.MAX_VALUE_LENGTH);
    assertThat(tracer.stats().valuesTruncated()).isEqualTo(2);
  }

  @Test
  @SuppressWarnings("NullAway")
  void nullsAreIgnoredNeverThrown() {
    Span span = tracer.spanBuilder("work").start();
    span.setAttribute(null, "v").setAttribute("k", (String) null).recordException(null).updateName(null);
    span.setStatus(null, null);
    span.end();
    assertThat(exporter.spans().get(0).attributes().isEmpty()).isTrue();
    assertThat(exporter.spans().get(0).name()).isEqualTo("work");
  }

  @Test
  void templateAttributesAreSharedButNeverMutated() {
    SpanBuilder builder = tracer.spanBuilder("t").attribute("shared", "1");
    Span first = builder.start();
    Span second = builder.start();
    first.setAttribute("shared", "changed").setAttribute("own", 1L);
    first.end();
    second.end();
    assertThat(exporter.spans().get(0).attributes().asMap()).containsEntry("shared", "changed").containsKey("own");
    assertThat(exporter.spans().get(1).attributes().asMap()).containsExactly(java.util.Map.entry("shared", "1"));
  }

  @Test
  void childInheritsTraceAndParent() {
    Span parent = tracer.spanBuilder("parent").start();
    Span child = tracer.spanBuilder("child").parent(parent).start();
    child.end();
    parent.end();
    SpanData c = exporter.spans().get(0);
    SpanData p = exporter.spans().get(1);
    assertThat(c.traceId()).isEqualTo(p.traceId());
    assertThat(c.parentSpanId()).isEqualTo(p.spanId());
    assertThat(c.hasRemoteParent()).isFalse();
    assertThat(c.localRootName()).isEqualTo("parent");
  }

  @Test
  void remoteParentIsHonoured() {
    SpanContext remote = SpanContext.createRemote(7, 8, 9, true, "foo=1");
    Span span = tracer.spanBuilder("server").kind(SpanKind.SERVER).parent(remote).start();
    span.end();
    SpanData data = exporter.spans().get(0);
    assertThat(data.spanContext().traceIdLow()).isEqualTo(8);
    assertThat(data.parentSpanId()).isEqualTo("0000000000000009");
    assertThat(data.hasRemoteParent()).isTrue();
    assertThat(data.spanContext().traceState()).isEqualTo("foo=1");
  }

  @Test
  void unsampledRemoteParentYieldsUnsampledSpanThatStillPropagates() {
    SpanContext remote = SpanContext.createRemote(7, 8, 9, false, null);
    Span span = tracer.spanBuilder("server").parent(remote).start();
    span.setAttribute("k", "v");
    span.end();
    assertThat(span.isRecording()).isFalse();
    assertThat(span.context().isValid()).isTrue();
    assertThat(span.context().traceIdLow()).isEqualTo(8);
    assertThat(span.context().spanIdLong()).isNotEqualTo(9);
    assertThat(exporter.spans()).isEmpty();
    assertThat(tracer.stats().spansStarted()).isZero();
  }

  @Test
  void samplerFailureIsContainedAndCounted() {
    Tracer failing = Tracer.builder().serviceName("svc").parentBased(false).exporter(exporter)
        .sampler(new Sampler() {
          @Override
          public boolean shouldSample(SpanContext parent, long high, long low, String name, SpanKind kind) {
            throw new IllegalStateException("sampler bug");
          }
        }).build();
    Span span = failing.spanBuilder("x").start();
    span.end();
    assertThat(span.isRecording()).isFalse();
    assertThat(span.context().isValid()).isTrue();
    assertThat(failing.stats().samplerFailures()).isEqualTo(1);
  }

  @Test
  void exporterFailureIsContainedAndOtherExportersStillReceive() {
    SpanExporter throwing = span -> {
      throw new IllegalStateException("exporter bug");
    };
    InMemorySpanExporter second = InMemorySpanExporter.create();
    Tracer t = Tracer.builder().serviceName("svc").exporter(throwing).exporter(second).build();
    t.spanBuilder("x").start().end();
    t.spanBuilder("y").start().end();
    assertThat(second.spans()).hasSize(2);
    assertThat(t.stats().exporterFailures()).isEqualTo(2);
    assertThat(t.stats().spansExported()).isEqualTo(2);
  }

  @Test
  void idGeneratorFailureYieldsInvalidSpanNotAnException() {
    Tracer t = Tracer.builder().serviceName("svc").idGenerator(new IdGenerator() {
      @Override
      public long newSpanId() {
        throw new IllegalStateException("broken ids");
      }

      @Override
      public long newTraceIdHigh() {
        return 1;
      }

      @Override
      public long newTraceIdLow() {
        return 1;
      }
    }).build();
    Span span = t.spanBuilder("x").start();
    assertThat(span.context().isValid()).isFalse();
    span.end();
    assertThat(t.stats().internalFailures()).isEqualTo(1);
  }

  @Test
  void randomIdsAreNeverZero() {
    IdGenerator ids = IdGenerator.random();
    for (int i = 0; i < 10_000; i++) {
      assertThat(ids.newSpanId()).isNotZero();
      assertThat(ids.newTraceIdLow()).isNotZero();
    }
  }

  @Test
  void probabilitySamplerPercentageIsCarriedToChildren() {
    Tracer t = Tracer.builder().serviceName("svc").sampler(Sampler.percentage(100)).exporter(exporter).build();
    Span parent = t.spanBuilder("p").start();
    t.spanBuilder("c").parent(parent).start().end();
    parent.end();
    assertThat(exporter.spans()).allSatisfy(s -> assertThat(s.samplingPercentage()).isEqualTo(100.0));
  }

  @Test
  void scopedSpanIsCurrentAndRestored() {
    assertThat(Span.current().context().isValid()).isFalse();
    Span child;
    try (SpanScope outer = tracer.spanBuilder("outer").startScoped()) {
      assertThat(Span.current()).isSameAs(outer.span());
      try (SpanScope inner = tracer.spanBuilder("inner").startScoped()) {
        child = inner.span();
        assertThat(Span.current()).isSameAs(child);
      }
      assertThat(Span.current()).isSameAs(outer.span());
    }
    assertThat(Span.current().context().isValid()).isFalse();
    assertThat(exporter.spans()).extracting(SpanData::name).containsExactly("inner", "outer");
    assertThat(exporter.spans().get(0).parentSpanId()).isEqualTo(exporter.spans().get(1).spanId());
  }

  @Test
  void scopeFailRecordsTheError() {
    IllegalStateException error = new IllegalStateException("bad");
    try (SpanScope scope = tracer.spanBuilder("x").startScoped()) {
      assertThat(scope.fail(error)).isSameAs(error);
    }
    assertThat(exporter.spans().get(0).status()).isEqualTo(StatusCode.ERROR);
    assertThat(exporter.spans().get(0).exception()).isSameAs(error);
  }

  @Test
  void makeCurrentRestoresWithoutEnding() {
    Span span = tracer.spanBuilder("x").start();
    try (Scope scope = span.makeCurrent()) {
      assertThat(Span.current()).isSameAs(span);
      scope.close(); // closing twice is harmless
    }
    assertThat(Span.current()).isSameAs(Span.invalid());
    assertThat(span.isEnded()).isFalse();
    span.end();
  }

  @Test
  void noParentStartsANewTraceEvenInsideAScope() {
    try (SpanScope outer = tracer.spanBuilder("outer").startScoped()) {
      Span root = tracer.spanBuilder("root").noParent().start();
      assertThat(root.context().traceIdLow()).isNotEqualTo(outer.span().context().traceIdLow());
      root.end();
    }
  }

  @Test
  void virtualClockDrivesDurations() {
    reactor.test.scheduler.VirtualTimeScheduler vts = reactor.test.scheduler.VirtualTimeScheduler.create();
    Tracer t = Tracer.builder().serviceName("svc").clock(Clock.of(vts)).exporter(exporter).build();
    Span span = t.spanBuilder("x").start();
    vts.advanceTimeBy(java.time.Duration.ofMillis(1500));
    span.end();
    assertThat(exporter.spans().get(0).durationNanos()).isEqualTo(1_500_000_000L);
  }

  @Test
  void systemClockIsCloseToTheWallClock() {
    Clock clock = Clock.system();
    long epoch = clock.epochNanos(clock.nanoTime());
    long wall = System.currentTimeMillis() * 1_000_000L;
    assertThat(Math.abs(epoch - wall)).isLessThan(1_000_000_000L);
  }

  @Test
  void builderFailsFastWithClearMessages() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Tracer.builder().serviceName(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("serviceName must not be blank");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Tracer.builder().sampler(null))
        .isInstanceOf(NullPointerException.class).hasMessage("sampler");
  }
}
