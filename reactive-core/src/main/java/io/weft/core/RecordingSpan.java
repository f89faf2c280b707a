package io.weft.core;

import io.weft.core.export.SpanData;
import io.weft.core.internal.Hex;
import org.jspecify.annotations.Nullable;

/**
 * A sampled span: records attributes, status and one exception, and on its single end hands itself to the tracer's
 * exporters as {@link SpanData}.
 *
 * <p>Thread-safety: writes and the end take {@link #lock}, so a write racing the end either lands before the export
 * or is ignored; readers after the hand-off see a frozen span. Attributes given by a span template are shared with
 * it (copy-on-write), so a span with only template attributes allocates no attribute storage.
 */
final class RecordingSpan implements Span, SpanData {
  private static final int STARTED = 0;
  private static final int ENDED = 1;
  private static final int ENDED_CANCELLED = 2;
  private static final String CANCELLED_ATTRIBUTE = io.weft.core.instrumentation.SemanticAttributes.WEFT_CANCELLED;

  private final Tracer tracer;
  private final SpanContext context;
  private final long parentSpanId;
  private final boolean remoteParent;
  private final SpanKind kind;
  private final long startEpochNanos;
  private final long startNanoTime;
  private final double samplingPercentage;
  // The local root of this trace in this process (this span when null), for ai.operation.name.
  private final @Nullable RecordingSpan localRoot;
  private final Object lock = new Object();

  // Guarded by lock.
  private String name;
  private Object[] attributes;
  private int attributeCount;
  private boolean attributesShared;
  // Evaluated (then cleared) by the first read of the attributes.
  private @Nullable AttributeSource deferred;
  private int droppedAttributes;
  private StatusCode status = StatusCode.UNSET;
  private @Nullable String statusDescription;
  private @Nullable Throwable exception;
  private long endNanoTime;
  // Written under lock; volatile so isEnded() needs no lock.
  private volatile int state;

  RecordingSpan(
      Tracer tracer,
      SpanContext context,
      long parentSpanId,
      boolean remoteParent,
      String name,
      SpanKind kind,
      Object[] sharedAttributes,
      int attributeCount,
      @Nullable AttributeSource deferred,
      double samplingPercentage,
      @Nullable RecordingSpan localRoot,
      long startNanoTime) {
    this.tracer = tracer;
    this.context = context;
    this.parentSpanId = parentSpanId;
    this.remoteParent = remoteParent;
    this.name = name;
    this.kind = kind;
    this.attributes = sharedAttributes;
    this.attributeCount = attributeCount;
    this.attributesShared = true;
    this.deferred = deferred;
    this.samplingPercentage = samplingPercentage;
    this.localRoot = localRoot;
    this.startNanoTime = startNanoTime;
    this.startEpochNanos = tracer.clock.epochNanos(startNanoTime);
  }

  RecordingSpan localRootOrSelf() {
    return localRoot != null ? localRoot : this;
  }

  double percentage() {
    return samplingPercentage;
  }

  @Override
  public SpanContext context() {
    return context;
  }

  @Override
  public SpanContext spanContext() {
    return context;
  }

  @Override
  public boolean isRecording() {
    return state == STARTED;
  }

  @Override
  public Span setAttribute(String key, @Nullable String value) {
    if (value == null) {
      return this;
    }
    return put(key, tracer.truncate(value, SpanLimits.MAX_VALUE_LENGTH));
  }

  @Override
  public Span setAttribute(String key, long value) {
    return put(key, Attributes.box(value));
  }

  @Override
  public Span setAttribute(String key, double value) {
    return put(key, value);
  }

  @Override
  public Span setAttribute(String key, boolean value) {
    return put(key, value);
  }

  @SuppressWarnings("NullAway") // key is declared non-null but user code may pass null; drop it, never throw.
  private Span put(@Nullable String key, Object value) {
    if (key == null) {
      tracer.stats.attributesDropped.increment();
      return this;
    }
    synchronized (lock) {
      if (state != STARTED) {
        return this;
      }
      int index = indexOf(key);
      if (index >= 0) {
        unshare(attributes.length);
        attributes[index * 2 + 1] = value;
        return this;
      }
      append(key, value);
    }
    return this;
  }

  /** The index of {@code key} among the attributes, or -1. Guarded by lock. */
  private int indexOf(String key) {
    int hash = key.hashCode(); // cached by String: a mismatch costs no character comparison
    for (int i = 0; i < attributeCount; i++) {
      Object existing = attributes[i * 2];
      if (existing == key || existing.hashCode() == hash && existing.equals(key)) {
        return i;
      }
    }
    return -1;
  }

  /** Adds a new attribute, within the limit. Guarded by lock. */
  private void append(String key, Object value) {
    if (attributeCount >= SpanLimits.MAX_ATTRIBUTES) {
      droppedAttributes++;
      tracer.stats.attributesDropped.increment();
      return;
    }
    int needed = (attributeCount + 1) * 2;
    if (attributesShared || needed > attributes.length) {
      unshare(Math.max(needed, Math.min(attributes.length * 2, SpanLimits.MAX_ATTRIBUTES * 2)));
    }
    attributes[attributeCount * 2] = key;
    attributes[attributeCount * 2 + 1] = value;
    attributeCount++;
  }

  /**
   * Adds the deferred source's attributes, once, wherever the span is in its life: a key already set on the span
   * keeps its value. Guarded by lock.
   */
  private void materialize() {
    AttributeSource source = deferred;
    if (source == null) {
      return;
    }
    deferred = null;
    try {
      source.addTo(new AttributeSource.Sink() {
        @Override
        public void put(String key, @Nullable String value) {
          if (key != null && value != null && indexOf(key) < 0) {
            append(key, tracer.truncate(value, SpanLimits.MAX_VALUE_LENGTH));
          }
        }

        @Override
        public void put(String key, long value) {
          if (key != null && indexOf(key) < 0) {
            append(key, Attributes.box(value));
          }
        }
      });
    } catch (Throwable error) {
      reactor.core.Exceptions.throwIfFatal(error);
      tracer.internalFailure("deferred attributes of span " + name, error);
    }
  }

  // Guarded by lock.
  private void unshare(int capacity) {
    if (attributesShared || capacity > attributes.length) {
      // Room for eight attributes at once: an HTTP span sets five to eight after it starts, one growth step each.
      Object[] copy = new Object[Math.max(capacity, 16)];
      System.arraycopy(attributes, 0, copy, 0, attributeCount * 2);
      attributes = copy;
      attributesShared = false;
    }
  }

  @Override
  public Span setStatus(StatusCode newStatus, @Nullable String description) {
    if (newStatus == null || newStatus == StatusCode.UNSET) {
      return this;
    }
    synchronized (lock) {
      if (state == STARTED && status != StatusCode.OK) {
        status = newStatus;
        statusDescription = newStatus == StatusCode.ERROR ? description : null;
      }
    }
    return this;
  }

  @Override
  public Span recordException(Throwable error) {
    if (error == null) {
      return this;
    }
    synchronized (lock) {
      if (state == STARTED && exception == null) {
        exception = error;
      }
    }
    return this;
  }

  @Override
  public Span updateName(String newName) {
    if (newName == null) {
      return this;
    }
    String truncated = tracer.truncate(newName, SpanLimits.MAX_NAME_LENGTH);
    synchronized (lock) {
      if (state == STARTED) {
        name = truncated;
      }
    }
    return this;
  }

  @Override
  public void end() {
    endWith(ENDED, null);
  }

  /** Ends with status ERROR and {@code error} recorded, unless already ended. */
  void endWithError(Throwable error) {
    endWith(ENDED, error);
  }

  @Override
  public void endCancelled() {
    endWith(ENDED_CANCELLED, null);
  }

  private void endWith(int outcome, @Nullable Throwable error) {
    long now = tracer.clock.nanoTime();
    synchronized (lock) {
      if (state != STARTED) {
        return;
      }
      endNanoTime = now;
      if (error != null) {
        if (exception == null) {
          exception = error;
        }
        if (status != StatusCode.OK) {
          status = StatusCode.ERROR;
          String message = error.getMessage();
          statusDescription = message != null ? message : error.getClass().getName();
        }
      }
      if (outcome == ENDED_CANCELLED && attributeCount < SpanLimits.MAX_ATTRIBUTES) {
        unshare(attributeCount * 2 + 2);
        attributes[attributeCount * 2] = CANCELLED_ATTRIBUTE;
        attributes[attributeCount * 2 + 1] = Boolean.TRUE;
        attributeCount++;
      }
      state = outcome;
    }
    tracer.onEnd(this);
  }

  @Override
  public boolean isEnded() {
    return state != STARTED;
  }

  @Override
  public Scope makeCurrent() {
    return new CurrentScope(this);
  }

  // SpanData: read after the end (the hand-off gives happens-before); the lock makes early reads consistent too.

  @Override
  public @Nullable String parentSpanId() {
    return parentSpanId == 0 ? null : Hex.toHex(parentSpanId);
  }

  @Override
  public long parentSpanIdLong() {
    return parentSpanId;
  }

  @Override
  public boolean hasRemoteParent() {
    return remoteParent;
  }

  @Override
  public String name() {
    synchronized (lock) {
      return name;
    }
  }

  @Override
  public SpanKind kind() {
    return kind;
  }

  @Override
  public long startEpochNanos() {
    return startEpochNanos;
  }

  @Override
  public long durationNanos() {
    synchronized (lock) {
      return state == STARTED ? 0 : Math.max(0, endNanoTime - startNanoTime);
    }
  }

  @Override
  public Attributes attributes() {
    synchronized (lock) {
      materialize();
      if (attributeCount == 0) {
        return Attributes.EMPTY;
      }
      // Ended spans are frozen, so the array can be shared; an open span gets a snapshot.
      return new Attributes(state == STARTED ? attributes.clone() : attributes, attributeCount);
    }
  }

  @Override
  public int droppedAttributesCount() {
    synchronized (lock) {
      materialize();
      return droppedAttributes;
    }
  }

  @Override
  public StatusCode status() {
    synchronized (lock) {
      return status;
    }
  }

  @Override
  public @Nullable String statusDescription() {
    synchronized (lock) {
      return statusDescription;
    }
  }

  @Override
  public @Nullable Throwable exception() {
    synchronized (lock) {
      return exception;
    }
  }

  @Override
  public boolean cancelled() {
    return state == ENDED_CANCELLED;
  }

  @Override
  public double samplingPercentage() {
    return samplingPercentage;
  }

  @Override
  public @Nullable String localRootName() {
    RecordingSpan root = localRootOrSelf();
    return root == this ? name() : root.name();
  }

  @Override
  public SpanKind localRootKind() {
    return localRootOrSelf().kind;
  }

  @Override
  public Resource resource() {
    return tracer.resource();
  }

  @Override
  public String toString() {
    return "RecordingSpan{name=" + name() + ", kind=" + kind + ", " + context + ", parent=" + parentSpanId()
        + ", status=" + status() + ", attributes=" + attributes() + (cancelled() ? ", cancelled" : "") + "}";
  }
}
