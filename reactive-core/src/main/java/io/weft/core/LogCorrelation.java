package io.weft.core;

import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.helpers.NOPMDCAdapter;

/**
 * Keeps the current span's ids in SLF4J's MDC, so log lines can be joined to traces: {@value #TRACE_ID} (32 hex
 * digits) and {@value #SPAN_ID} (16), the keys Spring Boot's log pattern prints. They are set whenever a span becomes
 * the thread's current span (a {@link SpanScope}, a traced operator's signal, Reactor's automatic context
 * propagation restoring a span) and removed when no span is current, so a line logged after a span ended never
 * carries its ids. A span that is not sampled still has ids: they are set too.
 *
 * <p>Off by default: keeping the MDC in step costs every span change two MDC writes, which with Logback more than
 * doubles the cost of a traced {@code Mono} (186 → 440 ns, 384 → 960 B in {@code MonoSpanBenchmark}). Turn it on
 * with the system property {@value #ENABLED_PROPERTY}{@code =true}, the environment variable {@value
 * #ENABLED_ENV}{@code =true} or {@link #setEnabled(boolean)}; Weft's Spring Boot starter turns it on (and off with
 * {@code weft.log-correlation.enabled=false}). It stays off, whatever the setting, when SLF4J has no MDC (no backend,
 * or one without an MDC). While on, Weft owns the two keys: it overwrites and removes them.
 */
public final class LogCorrelation {
  /** The MDC key of the current trace id. */
  public static final String TRACE_ID = "traceId";
  /** The MDC key of the current span id. */
  public static final String SPAN_ID = "spanId";
  /** System property that turns log correlation off ({@code false}) or on ({@code true}). */
  public static final String ENABLED_PROPERTY = "weft.log-correlation.enabled";
  /** Environment variable that turns log correlation off ({@code false}) or on ({@code true}). */
  public static final String ENABLED_ENV = "WEFT_LOG_CORRELATION_ENABLED";

  private static volatile boolean enabled = enabledByDefault();

  private LogCorrelation() {}

  /** Whether the MDC follows the current span. */
  public static boolean isEnabled() {
    return enabled;
  }

  /**
   * Turns log correlation on or off for the whole JVM (turning it off leaves nothing behind on this thread); on has
   * no effect when SLF4J has no MDC.
   */
  public static void setEnabled(boolean on) {
    if (!on && enabled) {
      enabled = false;
      clear();
      return;
    }
    enabled = on && hasMdc();
  }

  /** Called when the thread's current span changed to {@code span} (null: none). Never throws. */
  static void spanChanged(@Nullable Span span) {
    try {
      SpanContext context = span != null ? span.context() : null;
      if (context != null && context.isValid()) {
        MDC.put(TRACE_ID, context.traceId());
        MDC.put(SPAN_ID, context.spanId());
      } else {
        clear();
      }
    } catch (RuntimeException | LinkageError e) {
      // a logging backend that fails on MDC: give up on correlation rather than fail the traced code
      enabled = false;
    }
  }

  private static void clear() {
    MDC.remove(TRACE_ID);
    MDC.remove(SPAN_ID);
  }

  private static boolean enabledByDefault() {
    WeftConfig config = WeftConfig.system();
    String setting = config.get(ENABLED_PROPERTY, ENABLED_ENV);
    if (setting == null) {
      return false;
    }
    String value = setting.toLowerCase(Locale.ROOT);
    if (!value.equals("true") && !value.equals("false")) {
      // read on the first span change, inside traced code: say so and keep the default rather than fail it
      LoggerFactory.getLogger(LogCorrelation.class).warn("{} (or {}) must be true or false, not \"{}\": log "
          + "correlation stays off", ENABLED_PROPERTY, ENABLED_ENV, setting);
      return false;
    }
    return value.equals("true") && hasMdc();
  }

  /** Whether SLF4J has an MDC that keeps values (not the no-op one of a missing or MDC-less backend). */
  private static boolean hasMdc() {
    try {
      return MDC.getMDCAdapter() != null && !(MDC.getMDCAdapter() instanceof NOPMDCAdapter);
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }
}
