package io.weft.testing;

import io.weft.core.Tracer;
import io.weft.core.export.SpanData;
import io.weft.core.export.SpanExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An exporter for tests that takes spans one at a time, in the order they ended, and fails the test if any span is
 * left untaken or was exported twice.
 *
 * <pre>{@code
 * @RegisterExtension final StrictSpanSink spans = StrictSpanSink.create();
 * final Tracer tracer = spans.tracer("orders");
 *
 * @Test void tracesTheQuery() {
 *   run(query.transform(tracer.mono("load")));
 *   SpanAssert.assertThat(spans.take()).hasName("load").hasNoParent();
 * }
 * }</pre>
 *
 * <p>{@link #export} never blocks (an unbounded lock-free queue), so spans may end on event loops; {@link #take()}
 * waits on the test thread, up to a timeout.
 */
public final class StrictSpanSink implements SpanExporter, BeforeEachCallback, AfterEachCallback {
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private final LinkedBlockingQueue<SpanData> spans = new LinkedBlockingQueue<>();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final List<String> duplicates = new ArrayList<>();
  private final Object lock = new Object();
  private final Duration timeout;

  private StrictSpanSink(Duration timeout) {
    this.timeout = timeout;
  }

  /** A sink whose {@link #take()} waits up to 10 seconds. */
  public static StrictSpanSink create() {
    return new StrictSpanSink(DEFAULT_TIMEOUT);
  }

  /** A sink whose {@link #take()} waits up to {@code timeout}. */
  public static StrictSpanSink create(Duration timeout) {
    return new StrictSpanSink(timeout);
  }

  /** A tracer named {@code serviceName} that samples everything and exports only to this sink. */
  public Tracer tracer(String serviceName) {
    return Tracer.builder().serviceName(serviceName).serviceInstance("test").exporter(this).build();
  }

  @Override
  public void export(SpanData span) {
    String key = span.traceId() + "/" + span.spanId();
    if (!seen.add(key)) {
      synchronized (lock) {
        duplicates.add(span.name() + " " + key);
      }
    }
    spans.offer(span);
  }

  /**
   * The next span to have ended.
   *
   * @throws AssertionError if none arrives within the timeout
   */
  public SpanData take() {
    try {
      SpanData span = spans.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
      if (span == null) {
        throw new AssertionError("no span ended within " + timeout);
      }
      return span;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for a span", e);
    }
  }

  /** The next {@code count} spans, in the order they ended. */
  public List<SpanData> take(int count) {
    List<SpanData> taken = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      taken.add(take());
    }
    return taken;
  }

  /** The next span named {@code name}, failing if a span with another name comes first. */
  public SpanData take(String name) {
    SpanData span = take();
    if (!span.name().equals(name)) {
      throw new AssertionError("expected span '" + name + "' but the next span was " + describe(span));
    }
    return span;
  }

  /** The spans waiting to be taken, without taking them. */
  public List<SpanData> pending() {
    return new ArrayList<>(spans);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    spans.clear();
    seen.clear();
    synchronized (lock) {
      duplicates.clear();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    verifyNoMoreSpans();
  }

  /**
   * Fails if spans were left untaken or any span was exported twice.
   *
   * @throws AssertionError describing what was left or duplicated
   */
  public void verifyNoMoreSpans() {
    List<String> duplicated;
    synchronized (lock) {
      duplicated = new ArrayList<>(duplicates);
    }
    if (!duplicated.isEmpty()) {
      throw new AssertionError("spans exported more than once: " + duplicated);
    }
    SpanData left = spans.poll();
    if (left != null) {
      List<String> rest = new ArrayList<>();
      rest.add(describe(left));
      for (SpanData span : spans) {
        rest.add(describe(span));
      }
      spans.clear();
      throw new AssertionError("spans left over (take() them or assert them): " + rest);
    }
  }

  static String describe(@Nullable SpanData span) {
    if (span == null) {
      return "null";
    }
    return span.kind() + " '" + span.name() + "' " + span.traceId() + "/" + span.spanId() + " parent="
        + span.parentSpanId();
  }
}
