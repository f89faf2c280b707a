package io.weft.core;

import io.weft.core.export.SpanExporter;
import io.weft.core.instrumentation.FailureLog;
import io.weft.core.sampler.Sampler;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Creates spans and hands the ended, sampled ones to exporters.
 *
 * <pre>{@code
 * Tracer tracer = Tracer.builder()
 *     .serviceName("orders")
 *     .sampler(Sampler.probability(0.25))
 *     .exporter(exporter)
 *     .build();
 *
 * Mono<Order> order = loadOrder(id).transform(tracer.mono("load-order"));
 * }</pre>
 *
 * <p>Thread-safe. Nothing a tracer does at runtime throws into the application or blocks the calling thread:
 * failures of samplers, exporters and callbacks are caught, counted in {@link #stats()} and logged once.
 */
public final class Tracer {
  private static final Logger logger = LoggerFactory.getLogger(Tracer.class);

  private final Resource resource;
  private final Sampler sampler;
  private final boolean elideUnderUnsampledParent;
  private final SpanExporter[] exporters;
  final Clock clock;
  private final IdGenerator ids;
  final TracerStats stats;
  private final FailureLog samplerLog = new FailureLog(logger, "Weft sampler failed; span not sampled");
  private final FailureLog exporterLog = new FailureLog(logger, "Weft exporter failed to take a span");
  private final FailureLog callbackLog = new FailureLog(logger, "Weft span callback failed; signal unchanged");
  private final FailureLog internalLog = new FailureLog(logger, "Weft failed internally; running untraced");

  private Tracer(Builder builder, Resource resource) {
    this.resource = resource;
    this.sampler = builder.parentBased ? Sampler.parentBased(builder.sampler) : builder.sampler;
    this.elideUnderUnsampledParent = sampler.followsUnsampledParent();
    this.exporters = builder.exporters.toArray(new SpanExporter[0]);
    this.stats = new TracerStats(exporters.length > 0);
    this.clock = builder.clock;
    this.ids = builder.ids;
  }

  /** A builder; every setting has a default (service name from the environment, sample everything). */
  public static Builder builder() {
    return new Builder();
  }

  /** The process-wide tracer, configured from system properties and environment on first use (see README). */
  public static Tracer global() {
    return GlobalTracer.get();
  }

  /**
   * A tracer configured from {@code config} as the global one is: service name, sampling percentage, and every
   * exporter a {@link io.weft.core.export.SpanExporterProvider} on the class path offers for those settings.
   *
   * @throws IllegalArgumentException if a setting is invalid
   */
  public static Tracer fromConfig(WeftConfig config) {
    return GlobalTracer.fromConfig(config);
  }

  /**
   * Installs {@code tracer} as the {@link #global()} tracer, for integrations configured by URL or SPI, and returns
   * the previous one (null if none had been created).
   */
  public static @Nullable Tracer setGlobal(Tracer tracer) {
    return GlobalTracer.set(Objects.requireNonNull(tracer, "tracer"));
  }

  /** A builder for a span named {@code name}: start it imperatively, or turn it into a Mono/Flux operator. */
  public SpanBuilder spanBuilder(String name) {
    return new SpanBuilder(this, name);
  }

  /**
   * An operator for {@code mono.transform(...)}: one INTERNAL span per subscription, the current span of everything
   * upstream, ended by the first of value, empty completion, error (status ERROR, exception recorded) or cancel.
   */
  public <T> Function<Mono<T>, Mono<T>> mono(String name) {
    return new SpanBuilder(this, name).mono();
  }

  /** As {@link #mono(String)} for a Flux: the span ends on complete, error or cancel. */
  public <T> Function<Flux<T>, Flux<T>> flux(String name) {
    return new SpanBuilder(this, name).flux();
  }

  /** The counters of this tracer. */
  public TracerStats stats() {
    return stats;
  }

  /** The resource (service name and instance) stamped on every span. */
  public Resource resource() {
    return resource;
  }

  /** The sampler, wrapped in parent-based unless the builder said otherwise. */
  public Sampler sampler() {
    return sampler;
  }

  /** The exporters spans are handed to, in order. */
  public List<SpanExporter> exporters() {
    return List.of(exporters);
  }

  /** Flushes every exporter; completes when all are done (errors are logged, not propagated). */
  public Mono<Void> flush() {
    return Flux.fromArray(exporters).flatMap(e -> safe(e.flush())).then();
  }

  /** Shuts every exporter down after a flush; completes when all are done (errors are logged, not propagated). */
  public Mono<Void> shutdown() {
    return Flux.fromArray(exporters).flatMap(e -> safe(e.shutdown())).then();
  }

  private Mono<Void> safe(Mono<Void> work) {
    return work.onErrorResume(error -> {
      stats.exporterFailures.increment();
      exporterLog.log("flush or shutdown failed", error);
      return Mono.empty();
    });
  }

  /**
   * Whether a span operator may skip creating a span under {@code parent}: the parent is unsampled and the sampler
   * follows it, so the child would be unsampled too and nobody would ever see its id.
   */
  boolean elides(Span parent) {
    if (!elideUnderUnsampledParent) {
      return false;
    }
    SpanContext context = parent.context();
    return !context.isSampled() && context.isValid();
  }

  /**
   * Starts a span; never throws (an internal failure returns an invalid span). The parent is {@code
   * explicitParent} when given, else {@code localParent}, else none. {@code deferred} is kept, unevaluated, by a
   * sampled span.
   */
  Span start(
      String name,
      SpanKind kind,
      Object[] attributes,
      int attributeCount,
      @Nullable Span localParent,
      @Nullable SpanContext explicitParent,
      @Nullable AttributeSource deferred) {
    try {
      SpanContext parent = explicitParent != null ? explicitParent
          : localParent != null ? localParent.context() : null;
      if (parent != null && !parent.isValid()) {
        parent = null;
      }
      long high;
      long low;
      String traceState;
      if (parent == null) {
        high = ids.newTraceIdHigh();
        low = ids.newTraceIdLow();
        traceState = null;
      } else {
        high = parent.traceIdHigh();
        low = parent.traceIdLow();
        traceState = parent.traceState();
      }
      boolean sampled = sample(parent, high, low, name, kind);
      SpanContext context = new SpanContext(high, low, ids.newSpanId(), sampled, traceState, false);
      if (!sampled) {
        return new NonRecordingSpan(context);
      }
      RecordingSpan localRoot = null;
      double percentage;
      if (parent != null && localParent instanceof RecordingSpan
          && parent == ((RecordingSpan) localParent).context()) {
        RecordingSpan recordingParent = (RecordingSpan) localParent;
        localRoot = recordingParent.localRootOrSelf();
        percentage = recordingParent.percentage();
      } else {
        percentage = sampler.samplingPercentage();
      }
      String spanName = truncate(name, SpanLimits.MAX_NAME_LENGTH);
      stats.spansStarted.increment();
      return new RecordingSpan(this, context, parent == null ? 0 : parent.spanIdLong(),
          parent != null && parent.isRemote(), spanName, kind, attributes, attributeCount, deferred, percentage,
          localRoot, clock.nanoTime());
    } catch (Throwable error) {
      Exceptions.throwIfFatal(error);
      internalFailure("starting span " + name, error);
      return NonRecordingSpan.INVALID;
    }
  }

  private boolean sample(@Nullable SpanContext parent, long high, long low, String name, SpanKind kind) {
    try {
      return sampler.shouldSample(parent, high, low, name, kind);
    } catch (Throwable error) {
      Exceptions.throwIfFatal(error);
      stats.samplerFailures.increment();
      samplerLog.log(sampler.description(), error);
      return false;
    }
  }

  /** Called once per sampled span, on the thread that ended it. */
  void onEnd(RecordingSpan span) {
    stats.spansEnded.increment();
    if (exporters.length == 0) {
      return;
    }
    for (SpanExporter exporter : exporters) {
      try {
        exporter.export(span);
      } catch (Throwable error) {
        Exceptions.throwIfFatal(error);
        stats.exporterFailures.increment();
        exporterLog.log(exporter.getClass().getName(), error);
      }
    }
  }

  /** {@code value} cut to {@code max} characters, counting the cut in {@link TracerStats#valuesTruncated()}. */
  String truncate(String value, int max) {
    if (value.length() <= max) {
      return value;
    }
    stats.valuesTruncated.increment();
    return value.substring(0, max);
  }

  void callbackFailure(String what, Throwable error) {
    stats.callbackFailures.increment();
    callbackLog.log(what, error);
  }

  void internalFailure(String what, Throwable error) {
    stats.internalFailures.increment();
    internalLog.log(what, error);
  }

  @Override
  public String toString() {
    return "Tracer{" + resource.serviceName() + ", sampler=" + sampler.description() + ", exporters="
        + exporters.length + "}";
  }

  /**
   * Configures a {@link Tracer}. Not thread-safe; configuration errors fail fast with a message naming the setting.
   */
  public static final class Builder {
    private @Nullable String serviceName;
    private @Nullable String serviceInstance;
    private Sampler sampler = Sampler.alwaysOn();
    private boolean parentBased = true;
    private final List<SpanExporter> exporters = new ArrayList<>();
    private Clock clock = Clock.system();
    private IdGenerator ids = IdGenerator.random();

    Builder() {}

    /** The service (cloud role) name; default from {@code OTEL_SERVICE_NAME} and friends, else the main class. */
    public Builder serviceName(String serviceName) {
      Objects.requireNonNull(serviceName, "serviceName");
      if (serviceName.isBlank()) {
        throw new IllegalArgumentException("serviceName must not be blank");
      }
      this.serviceName = serviceName;
      return this;
    }

    /** The instance (cloud role instance) name; default: the host name. */
    public Builder serviceInstance(String serviceInstance) {
      this.serviceInstance = Objects.requireNonNull(serviceInstance, "serviceInstance");
      return this;
    }

    /**
     * The sampler for new traces (default {@link Sampler#alwaysOn()}); children follow their parent's decision
     * unless {@link #parentBased(boolean)} turns that off.
     */
    public Builder sampler(Sampler sampler) {
      this.sampler = Objects.requireNonNull(sampler, "sampler");
      return this;
    }

    /** Whether to wrap the sampler in {@link Sampler#parentBased} (default true). */
    public Builder parentBased(boolean parentBased) {
      this.parentBased = parentBased;
      return this;
    }

    /** Adds an exporter; spans go to every exporter in the order added. */
    public Builder exporter(SpanExporter exporter) {
      exporters.add(Objects.requireNonNull(exporter, "exporter"));
      return this;
    }

    /** The clock for span times (default {@link Clock#system()}). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The id generator (default {@link IdGenerator#random()}). */
    public Builder idGenerator(IdGenerator ids) {
      this.ids = Objects.requireNonNull(ids, "idGenerator");
      return this;
    }

    /** A tracer with these settings. */
    public Tracer build() {
      String name = serviceName != null ? serviceName : WeftConfig.system().serviceName();
      String instance = serviceInstance != null ? serviceInstance : WeftConfig.hostName();
      return new Tracer(this, new Resource(name, instance, WeftConfig.weftVersion()));
    }
  }
}
