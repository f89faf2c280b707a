package io.weft.micrometer;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationView;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.Propagator;
import io.micrometer.observation.transport.ReceiverContext;
import io.micrometer.observation.transport.SenderContext;
import io.weft.core.Scope;
import io.weft.core.Span;
import io.weft.core.SpanBuilder;
import io.weft.core.SpanContext;
import io.weft.core.SpanKind;
import io.weft.core.Tracer;
import io.weft.core.instrumentation.FailureLog;
import io.weft.core.instrumentation.HttpSpans;
import io.weft.core.propagation.W3CTraceContext;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * Turns Micrometer observations into Weft spans, so a library instrumented with Micrometer Observation
 * (reactor-netty, Spring's HTTP clients and servers, Lettuce, Spring Kafka…) is traced by Weft without an
 * integration of its own. Register it on an {@code ObservationRegistry}:
 *
 * <pre>{@code
 * registry.observationConfig().observationHandler(new WeftObservationHandler(tracer));
 * }</pre>
 *
 * <ul>
 *   <li><b>Kind</b>: a sender context ({@code SenderContext}) is a CLIENT span (PRODUCER for a producer), a receiver
 *       context a SERVER span (CONSUMER), any other observation an INTERNAL span.
 *   <li><b>Parent</b>: a receiver's is read from its carrier ({@code traceparent}, {@code tracestate}); otherwise the
 *       span of the parent observation, else the thread's current Weft span, else a new trace. A sender writes
 *       {@code traceparent}/{@code tracestate} into its carrier.
 *   <li><b>Name</b>: the observation's contextual name, else {@code METHOD route} for an HTTP observation, else its
 *       name.
 *   <li><b>Attributes</b>: every low- and high-cardinality key-value; Micrometer's HTTP keys also under the names
 *       Weft's exporter maps (see {@link ObservationAttributes}). An HTTP status fails a client call from 400 and a
 *       server request from 500.
 *   <li><b>Errors</b>: recorded on the span, which then fails ({@code error.type} = the exception's class).
 *   <li><b>Events</b>: each becomes an attribute {@code event.<name>} holding its contextual name (Application
 *       Insights has no span events).
 *   <li><b>Scopes</b>: while an observation's scope is open on a thread, its span is Weft's current span there.
 * </ul>
 *
 * <p>Never throws into the observed library: failures are counted ({@link #failures()}) and logged, rate-limited.
 */
public final class WeftObservationHandler implements ObservationHandler<Observation.Context> {
  /** Where the span of an observation is kept in its context. */
  static final Class<Span> SPAN_KEY = Span.class;
  /** The scopes an observation opened, per observation (a stack: scopes nest). */
  private static final String SCOPES_KEY = WeftObservationHandler.class.getName() + ".scopes";

  private final Tracer tracer;
  private final FailureLog failureLog = new FailureLog(LoggerFactory.getLogger(WeftObservationHandler.class),
      "Weft's observation handler failed; the observation goes on");
  private final AtomicLong failures = new AtomicLong();

  public WeftObservationHandler(Tracer tracer) {
    this.tracer = tracer;
  }

  @Override
  public boolean supportsContext(Observation.Context context) {
    return true;
  }

  /** How many times the handler failed (the observation then went on without its span, or with a partial one). */
  public long failures() {
    return failures.get();
  }

  @Override
  public void onStart(Observation.Context context) {
    try {
      SpanKind kind = kind(context);
      SpanBuilder builder = tracer.spanBuilder(startName(context)).kind(kind);
      SpanContext remote = context instanceof ReceiverContext<?> receiver ? extract(receiver) : SpanContext.INVALID;
      if (remote.isValid()) {
        builder.parent(remote);
      } else {
        Span parent = parentSpan(context);
        if (parent != null) {
          builder.parent(parent);
        } else if (context instanceof ReceiverContext<?>) {
          builder.noParent(); // a request from outside with no trace context starts one
        }
      }
      Span span = builder.start();
      context.put(SPAN_KEY, span);
      if (context instanceof SenderContext<?> sender) {
        inject(sender, span);
      }
    } catch (RuntimeException | LinkageError e) {
      failed("starting a span for an observation", e);
    }
  }

  @Override
  public void onError(Observation.Context context) {
    // recorded at onStop, with the error the context holds then
  }

  @Override
  public void onEvent(Observation.Event event, Observation.Context context) {
    try {
      Span span = context.get(SPAN_KEY);
      if (span != null && span.isRecording()) {
        span.setAttribute("event." + event.getName(), event.getContextualName());
      }
    } catch (RuntimeException | LinkageError e) {
      failed("recording an observation event", e);
    }
  }

  @Override
  public void onScopeOpened(Observation.Context context) {
    try {
      Span span = context.get(SPAN_KEY);
      if (span != null) {
        Deque<Scope> scopes = context.computeIfAbsent(SCOPES_KEY, key -> new ArrayDeque<Scope>());
        synchronized (scopes) {
          scopes.push(span.makeCurrent());
        }
      }
    } catch (RuntimeException | LinkageError e) {
      failed("making an observation's span current", e);
    }
  }

  @Override
  public void onScopeClosed(Observation.Context context) {
    try {
      Deque<Scope> scopes = context.get(SCOPES_KEY);
      if (scopes != null) {
        Scope scope;
        synchronized (scopes) {
          scope = scopes.poll();
        }
        if (scope != null) {
          scope.close();
        }
      }
    } catch (RuntimeException | LinkageError e) {
      failed("closing an observation's scope", e);
    }
  }

  @Override
  public void onStop(Observation.Context context) {
    Span span = context.get(SPAN_KEY);
    if (span == null) {
      return;
    }
    try {
      if (span.isRecording()) {
        String name = stopName(context);
        if (name != null) {
          span.updateName(name);
        }
        ObservationAttributes.apply(span, kind(context), context.getAllKeyValues());
        Throwable error = context.getError();
        if (error != null) {
          HttpSpans.failure(span, error);
        }
      }
    } catch (RuntimeException | LinkageError e) {
      failed("recording an observation", e);
    } finally {
      span.end();
    }
  }

  private void failed(String where, Throwable error) {
    failures.incrementAndGet();
    failureLog.log(where, error);
  }

  private static SpanKind kind(Observation.Context context) {
    if (context instanceof SenderContext<?> sender) {
      return sender.getKind() == Kind.PRODUCER ? SpanKind.PRODUCER : SpanKind.CLIENT;
    }
    if (context instanceof ReceiverContext<?> receiver) {
      return receiver.getKind() == Kind.CONSUMER ? SpanKind.CONSUMER : SpanKind.SERVER;
    }
    return SpanKind.INTERNAL;
  }

  private static String startName(Observation.Context context) {
    String contextual = context.getContextualName();
    if (contextual != null && !contextual.isEmpty()) {
      return contextual;
    }
    String name = context.getName();
    return name != null && !name.isEmpty() ? name : "observation";
  }

  /** The final name: the contextual name set meanwhile, else {@code METHOD route}; null keeps the start name. */
  private static @Nullable String stopName(Observation.Context context) {
    String contextual = context.getContextualName();
    if (contextual != null && !contextual.isEmpty()) {
      String http = ObservationAttributes.httpName(context.getLowCardinalityKeyValues());
      // Spring's HTTP contextual names are "http get": the route says more
      return http != null && contextual.startsWith("http ") ? http : contextual;
    }
    return ObservationAttributes.httpName(context.getLowCardinalityKeyValues());
  }

  /** The span of the nearest parent observation that has one, else the thread's current span; null: none. */
  private static @Nullable Span parentSpan(Observation.Context context) {
    ObservationView parent = context.getParentObservation();
    for (int depth = 0; parent != null && depth < 64; depth++) {
      Span span = parent.getContextView().get(SPAN_KEY);
      if (span != null && span.context().isValid()) {
        return span;
      }
      parent = parent.getContextView().getParentObservation();
    }
    Span current = Span.current();
    return current.context().isValid() ? current : null;
  }

  private static <C> SpanContext extract(ReceiverContext<C> receiver) {
    C carrier = receiver.getCarrier();
    Propagator.Getter<C> getter = receiver.getGetter();
    if (carrier == null) {
      return SpanContext.INVALID;
    }
    String state = getter.get(carrier, W3CTraceContext.TRACESTATE);
    List<String> states = state == null ? List.of() : Collections.singletonList(state);
    return W3CTraceContext.parse(getter.get(carrier, W3CTraceContext.TRACEPARENT), states);
  }

  private static <C> void inject(SenderContext<C> sender, Span span) {
    C carrier = sender.getCarrier();
    Propagator.Setter<C> setter = sender.getSetter();
    if (carrier != null) {
      HttpSpans.inject(span.context(), (name, value) -> setter.set(carrier, name, value), false);
    }
  }
}
