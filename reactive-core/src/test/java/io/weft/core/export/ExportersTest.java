package io.weft.core.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.core.Tracer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

class ExportersTest {

  @Test
  void loggingExporterQueuesBoundedAndDrainsOnItsScheduler() {
    java.util.Queue<Runnable> tasks = new java.util.ArrayDeque<>();
    LoggingSpanExporter logging = LoggingSpanExporter.create(2, Schedulers.fromExecutor(tasks::add));
    Tracer tracer = Tracer.builder().serviceName("svc").exporter(logging).build();
    for (int i = 0; i < 5; i++) {
      tracer.spanBuilder("s" + i).start().end();
    }
    assertThat(logging.dropped()).isEqualTo(3);
    assertThat(tasks).as("one drain scheduled for the whole burst").hasSize(1);
    tasks.poll().run(); // the drain: the two queued spans are logged and the queue is free again
    tracer.spanBuilder("after-drain").start().end();
    tracer.spanBuilder("after-drain-2").start().end();
    assertThat(logging.dropped()).isEqualTo(3);
  }

  @Test
  void loggingExporterSurvivesADisposedScheduler() {
    reactor.core.scheduler.Scheduler scheduler = Schedulers.newSingle("gone");
    scheduler.dispose();
    LoggingSpanExporter logging = LoggingSpanExporter.create(10, scheduler);
    Tracer tracer = Tracer.builder().serviceName("svc").exporter(logging).build();
    tracer.spanBuilder("a").start().end();
    tracer.spanBuilder("b").start().end();
    assertThat(logging.dropped()).as("counted, and the second span was not stuck behind the first").isEqualTo(2);
    assertThat(tracer.stats().exporterFailures()).isZero();
  }

  @Test
  void loggingExporterValidatesCapacity() {
    assertThatThrownBy(() -> LoggingSpanExporter.create(0, VirtualTimeScheduler.create()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("capacity must be positive: 0");
  }

  @Test
  void loggingExporterFlushDrainsOnBoundedElastic() {
    LoggingSpanExporter logging = LoggingSpanExporter.create();
    Tracer tracer = Tracer.builder().serviceName("svc").exporter(logging).build();
    tracer.spanBuilder("x").start().end();
    tracer.flush().block(Duration.ofSeconds(5));
    assertThat(logging.dropped()).isZero();
  }

  @Test
  void inMemoryExporterRecordsWaitsAndResets() {
    InMemorySpanExporter recorder = InMemorySpanExporter.create();
    Tracer tracer = Tracer.builder().serviceName("svc").exporter(recorder).build();
    new Thread(() -> tracer.spanBuilder("late").start().end()).start();
    assertThat(recorder.awaitSpans(1, Duration.ofSeconds(5))).extracting(SpanData::name).containsExactly("late");
    assertThatThrownBy(() -> recorder.awaitSpans(2, Duration.ofMillis(20)))
        .isInstanceOf(AssertionError.class).hasMessageContaining("expected 2 spans");
    recorder.reset();
    assertThat(recorder.size()).isZero();
    tracer.shutdown().block(Duration.ofSeconds(5));
    tracer.spanBuilder("after-shutdown").start().end();
    assertThat(recorder.spans()).isEmpty();
  }
}
