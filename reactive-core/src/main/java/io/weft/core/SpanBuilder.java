package io.weft.core;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Describes a span, then either starts it now ({@link #start()}, {@link #startScoped()}) or becomes an operator
 * that starts one per subscription ({@link #mono()}, {@link #flux()}).
 *
 * <p>The parent is, in order: the one set with {@link #parent}; none after {@link #noParent()}; for operators the
 * span in the subscriber's Reactor context; the thread-local current span; else a new trace starts.
 *
 * <p>Not thread-safe; configuration fails fast on null. An operator made from a builder is immutable and can be
 * shared and subscribed concurrently; later changes to the builder do not affect it.
 */
public final class SpanBuilder {
  private final Tracer tracer;
  private final String name;
  private SpanKind kind = SpanKind.INTERNAL;
  private Object[] attributes = Attributes.NO_ENTRIES;
  private int attributeCount;
  // Whether the array is this builder's alone (not yet handed to a span or an operator's template): it then grows
  // in place, doubling, instead of being copied on every add.
  private boolean owned;
  private @Nullable SpanContext parent;
  private @Nullable Span parentSpan;
  private boolean noParent;
  private @Nullable AttributeSource deferred;

  SpanBuilder(Tracer tracer, String name) {
    this.tracer = tracer;
    this.name = Objects.requireNonNull(name, "name");
  }

  /** The kind (default INTERNAL, exported as an InProc dependency). */
  public SpanBuilder kind(SpanKind kind) {
    this.kind = Objects.requireNonNull(kind, "kind");
    return this;
  }

  /** Adds a string attribute (OpenTelemetry semantic-convention keys where one exists). */
  public SpanBuilder attribute(String key, String value) {
    return put(key, Objects.requireNonNull(value, "value"));
  }

  /** Adds a long attribute. */
  public SpanBuilder attribute(String key, long value) {
    return put(key, Attributes.box(value));
  }

  /** Adds a double attribute. */
  public SpanBuilder attribute(String key, double value) {
    return put(key, value);
  }

  /** Adds a boolean attribute. */
  public SpanBuilder attribute(String key, boolean value) {
    return put(key, value);
  }

  private SpanBuilder put(String key, Object value) {
    Objects.requireNonNull(key, "key");
    if (value instanceof String) {
      value = tracer.truncate((String) value, SpanLimits.MAX_VALUE_LENGTH);
    }
    int hash = key.hashCode(); // cached by String: a mismatch costs no character comparison
    for (int i = 0; i < attributeCount; i++) {
      Object existing = attributes[i * 2];
      if (existing == key || existing.hashCode() == hash && existing.equals(key)) {
        if (!owned) {
          attributes = attributes.clone();
          owned = true;
        }
        attributes[i * 2 + 1] = value;
        return this;
      }
    }
    if (attributeCount >= SpanLimits.MAX_ATTRIBUTES) {
      tracer.stats.attributesDropped.increment();
      return this;
    }
    // Spans and operators share the array they were given, so once handed out it never changes: copy then.
    int needed = attributeCount * 2 + 2;
    if (!owned || needed > attributes.length) {
      attributes = Arrays.copyOf(attributes,
          Math.max(needed, Math.min(Math.max(8, attributes.length * 2), SpanLimits.MAX_ATTRIBUTES * 2)));
      owned = true;
    }
    attributes[attributeCount * 2] = key;
    attributes[attributeCount * 2 + 1] = value;
    attributeCount++;
    return this;
  }

  /**
   * Attributes worked out only when the span's attributes are read, at export (see {@link AttributeSource}); nothing
   * is computed for a span that is not sampled. One source per span: a second call replaces the first. Applies to
   * {@link #start()}, not to operators.
   */
  public SpanBuilder attributes(AttributeSource source) {
    this.deferred = Objects.requireNonNull(source, "source");
    return this;
  }

  /** Uses {@code parent} (e.g. extracted from a {@code traceparent} header) as the parent. */
  public SpanBuilder parent(SpanContext parent) {
    this.parent = Objects.requireNonNull(parent, "parent");
    this.parentSpan = null;
    this.noParent = false;
    return this;
  }

  /** Uses {@code parent} as the parent. */
  public SpanBuilder parent(Span parent) {
    this.parentSpan = Objects.requireNonNull(parent, "parent");
    this.parent = null;
    this.noParent = false;
    return this;
  }

  /** Starts a new trace whatever is current. */
  public SpanBuilder noParent() {
    this.noParent = true;
    this.parent = null;
    this.parentSpan = null;
    return this;
  }

  /** Starts the span now. Never throws; end it with {@link Span#end()}. */
  public Span start() {
    Span local = parentSpan;
    if (local == null && parent == null && !noParent) {
      local = ThreadLocalSpan.get();
    }
    owned = false; // the span shares the array from now on
    return tracer.start(name, kind, attributes, attributeCount, local, parent, deferred);
  }

  /** Starts the span and makes it the thread-local current span until the scope is closed, which ends it. */
  public SpanScope startScoped() {
    return new SpanScope(start());
  }

  /** An operator for {@code mono.transform(...)}: see {@link Tracer#mono(String)}. */
  public <T> Function<Mono<T>, Mono<T>> mono() {
    SpanTemplate template = template(null);
    return source -> MonoSpan.create(source, template);
  }

  /**
   * As {@link #mono()}, calling {@code onValue} with the span and the value before the span ends, e.g. to record a
   * result attribute. Exceptions from {@code onValue} are caught and counted; the value passes unchanged.
   */
  public <T> Function<Mono<T>, Mono<T>> mono(BiConsumer<Span, ? super T> onValue) {
    SpanTemplate template = template(Objects.requireNonNull(onValue, "onValue"));
    return source -> MonoSpan.create(source, template);
  }

  /** An operator for {@code flux.transform(...)}: the span ends on complete, error or cancel. */
  public <T> Function<Flux<T>, Flux<T>> flux() {
    SpanTemplate template = template(null);
    return source -> FluxSpan.create(source, template);
  }

  /** As {@link #flux()}, calling {@code onValue} for each element while the span is open. */
  public <T> Function<Flux<T>, Flux<T>> flux(BiConsumer<Span, ? super T> onValue) {
    SpanTemplate template = template(Objects.requireNonNull(onValue, "onValue"));
    return source -> FluxSpan.create(source, template);
  }

  @SuppressWarnings("unchecked")
  private SpanTemplate template(@Nullable BiConsumer<Span, ?> onValue) {
    SpanContext explicit = parent != null ? parent : parentSpan != null ? parentSpan.context() : null;
    owned = false; // the template shares the array with every span it starts
    return new SpanTemplate(tracer, name, kind, attributes, attributeCount, explicit, noParent,
        (BiConsumer<Span, Object>) onValue, deferred);
  }
}
