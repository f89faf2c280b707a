package io.weft.testing;

import io.weft.core.SpanKind;
import io.weft.core.StatusCode;
import io.weft.core.export.SpanData;
import java.util.Objects;
import org.assertj.core.api.AbstractAssert;
import org.jspecify.annotations.Nullable;

/**
 * AssertJ assertions on an exported span: {@code SpanAssert.assertThat(span).hasName("SELECT orders")
 * .hasKind(CLIENT).hasParent(root).hasAttribute("db.system", "h2")}.
 */
public final class SpanAssert extends AbstractAssert<SpanAssert, SpanData> {

  private SpanAssert(SpanData actual) {
    super(actual, SpanAssert.class);
  }

  /** Assertions on {@code span}. */
  public static SpanAssert assertThat(SpanData span) {
    return new SpanAssert(span);
  }

  /** The span's name is {@code name}. */
  public SpanAssert hasName(String name) {
    isNotNull();
    if (!actual.name().equals(name)) {
      failWithMessage("expected span name <%s> but was <%s>", name, actual.name());
    }
    return this;
  }

  /** The span's kind is {@code kind}. */
  public SpanAssert hasKind(SpanKind kind) {
    isNotNull();
    if (actual.kind() != kind) {
      failWithMessage("expected span <%s> to be %s but was %s", actual.name(), kind, actual.kind());
    }
    return this;
  }

  /** The span is a child of {@code parent}: same trace, parent id = parent's span id. */
  public SpanAssert hasParent(SpanData parent) {
    isNotNull();
    if (!actual.traceId().equals(parent.traceId())) {
      failWithMessage("expected span <%s> in trace %s (of <%s>) but it is in trace %s", actual.name(),
          parent.traceId(), parent.name(), actual.traceId());
    }
    if (!parent.spanId().equals(actual.parentSpanId())) {
      failWithMessage("expected span <%s> to have parent <%s> (%s) but its parent id is %s", actual.name(),
          parent.name(), parent.spanId(), actual.parentSpanId());
    }
    return this;
  }

  /** The span is a root: no parent. */
  public SpanAssert hasNoParent() {
    isNotNull();
    if (actual.parentSpanId() != null) {
      failWithMessage("expected span <%s> to be a root but its parent id is %s", actual.name(),
          actual.parentSpanId());
    }
    return this;
  }

  /** The span has attribute {@code key} equal to {@code value} (a String, Long, Double or Boolean). */
  public SpanAssert hasAttribute(String key, Object value) {
    isNotNull();
    Object found = actual.attributes().get(key);
    Object expected = value instanceof Integer ? Long.valueOf((Integer) value) : value;
    if (!Objects.equals(found, expected)) {
      failWithMessage("expected span <%s> to have attribute %s=<%s> but was <%s>; attributes: %s", actual.name(),
          key, expected, found, actual.attributes());
    }
    return this;
  }

  /** The span has no attribute {@code key}. */
  public SpanAssert doesNotHaveAttribute(String key) {
    isNotNull();
    if (actual.attributes().get(key) != null) {
      failWithMessage("expected span <%s> to have no attribute %s but it was <%s>", actual.name(), key,
          actual.attributes().get(key));
    }
    return this;
  }

  /** The span's status is {@code status}. */
  public SpanAssert hasStatus(StatusCode status) {
    isNotNull();
    if (actual.status() != status) {
      failWithMessage("expected span <%s> to have status %s but was %s (%s)", actual.name(), status,
          actual.status(), actual.statusDescription());
    }
    return this;
  }

  /** The span failed with an exception of {@code type}. */
  public SpanAssert hasException(Class<? extends Throwable> type) {
    isNotNull();
    Throwable exception = actual.exception();
    if (!type.isInstance(exception)) {
      failWithMessage("expected span <%s> to record a %s but recorded <%s>", actual.name(), type.getName(),
          exception);
    }
    return this;
  }

  /** The span ended because its subscriber cancelled. */
  public SpanAssert wasCancelled() {
    isNotNull();
    if (!actual.cancelled()) {
      failWithMessage("expected span <%s> to be cancelled", actual.name());
    }
    return this;
  }

  /** The span is in the same trace as {@code other}. */
  public SpanAssert isInSameTraceAs(SpanData other) {
    isNotNull();
    if (!actual.traceId().equals(other.traceId())) {
      failWithMessage("expected span <%s> in trace %s (of <%s>) but it is in %s", actual.name(), other.traceId(),
          other.name(), actual.traceId());
    }
    return this;
  }

  @Override
  public String toString() {
    return "SpanAssert{" + describe(actual) + "}";
  }

  private static String describe(@Nullable SpanData span) {
    return StrictSpanSink.describe(span);
  }
}
