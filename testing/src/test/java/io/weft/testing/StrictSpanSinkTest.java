package io.weft.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.core.Span;
import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

class StrictSpanSinkTest {
  @RegisterExtension final StrictSpanSink spans = StrictSpanSink.create(Duration.ofSeconds(5));
  final Tracer tracer = spans.tracer("kit");

  @Test
  void takesSpansInTheOrderTheyEndedEvenFromOtherThreads() {
    Mono.just(1).transform(tracer.mono("child")).subscribeOn(Schedulers.parallel())
        .transform(tracer.spanBuilder("parent").kind(SpanKind.SERVER).attribute("n", 1L).mono())
        .subscribe();
    SpanData child = spans.take("child");
    SpanData parent = spans.take("parent");
    SpanAssert.assertThat(child).hasParent(parent).isInSameTraceAs(parent).hasKind(SpanKind.INTERNAL);
    SpanAssert.assertThat(parent).hasNoParent().hasKind(SpanKind.SERVER).hasAttribute("n", 1)
        .doesNotHaveAttribute("missing").hasStatus(StatusCode.UNSET);
  }

  @Test
  void leftOverSpansFailTheTest() {
    tracer.spanBuilder("forgotten").start().end();
    assertThatThrownBy(spans::verifyNoMoreSpans).isInstanceOf(AssertionError.class)
        .hasMessageContaining("spans left over").hasMessageContaining("forgotten");
  }

  @Test
  void aSpanExportedTwiceFailsTheTest() {
    Span span = tracer.spanBuilder("twice").start();
    span.end();
    SpanData data = spans.take();
    spans.export(data);
    spans.take();
    assertThatThrownBy(spans::verifyNoMoreSpans).isInstanceOf(AssertionError.class)
        .hasMessageContaining("spans exported more than once").hasMessageContaining("twice");
    spans.beforeEach(null);
  }

  @Test
  void takeTimesOutWithAClearMessage() {
    StrictSpanSink quick = StrictSpanSink.create(Duration.ofMillis(10));
    assertThatThrownBy(quick::take).isInstanceOf(AssertionError.class).hasMessage("no span ended within PT0.01S");
  }

  @Test
  void takeByNameRejectsAnotherSpan() {
    tracer.spanBuilder("a").start().end();
    assertThatThrownBy(() -> spans.take("b")).isInstanceOf(AssertionError.class)
        .hasMessageContaining("expected span 'b'").hasMessageContaining("'a'");
  }

  @Test
  void assertionsFailWithUsefulMessages() {
    Mono.error(new IllegalStateException("bad")).transform(tracer.mono("failing")).onErrorResume(e -> Mono.empty())
        .block(Duration.ofSeconds(5));
    SpanData failing = spans.take();
    SpanAssert.assertThat(failing).hasStatus(StatusCode.ERROR).hasException(IllegalStateException.class);
    assertThatThrownBy(() -> SpanAssert.assertThat(failing).hasName("other"))
        .hasMessageContaining("expected span name <other> but was <failing>");
    assertThatThrownBy(() -> SpanAssert.assertThat(failing).hasAttribute("k", "v"))
        .hasMessageContaining("attribute k=<v>");
    assertThatThrownBy(() -> SpanAssert.assertThat(failing).wasCancelled())
        .hasMessageContaining("to be cancelled");
    assertThat(failing.exception()).hasMessage("bad");
  }
}
