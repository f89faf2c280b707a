package io.weft.core.instrumentation;

import io.weft.core.Tracer;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.LoggerFactory;

/**
 * What every HTTP integration shares: the tracer and the HTTP settings, one object for reactor-netty, the JDK client
 * and Vert.x alike, and the factory of the handlers that apply them. Integrations take one of these (or build the
 * default from a {@link Tracer}); tracing failures of all of them are counted here.
 *
 * <pre>{@code
 * HttpTracing http = HttpTracing.builder(tracer).clientErrorsFail(true).build();
 * HttpClient client = ReactorNettyClientTracing.create(http).decorate(HttpClient.create());
 * }</pre>
 *
 * <p>Immutable apart from its failure count; thread-safe.
 */
public final class HttpTracing {
  private static final FailureLog FAILURES = new FailureLog(LoggerFactory.getLogger(HttpTracing.class),
      "HTTP tracing failed; the request runs untraced or its span is cut short");

  private final Tracer tracer;
  private final boolean redactQueryValues;
  private final boolean legacyRequestId;
  private final boolean clientErrorsFail;
  private final boolean traceResponse;
  private final LongAdder failures = new LongAdder();

  private HttpTracing(Builder builder) {
    this.tracer = builder.tracer;
    this.redactQueryValues = builder.redactQueryValues;
    this.legacyRequestId = builder.legacyRequestId;
    this.clientErrorsFail = builder.clientErrorsFail;
    this.traceResponse = builder.traceResponse;
  }

  /** The defaults: query values redacted, no {@code Request-Id}, 4xx not a server failure, no {@code traceresponse}. */
  public static HttpTracing create(Tracer tracer) {
    return builder(tracer).build();
  }

  public static Builder builder(Tracer tracer) {
    return new Builder(tracer);
  }

  public Tracer tracer() {
    return tracer;
  }

  /** Whether query values in {@code url.full} are replaced by {@code REDACTED} (userinfo is always removed). */
  public boolean redactQueryValues() {
    return redactQueryValues;
  }

  /** Whether outgoing requests also carry the legacy {@code Request-Id} header. */
  public boolean legacyRequestId() {
    return legacyRequestId;
  }

  /** Whether a server's 4xx responses mark its request failed (5xx always do). */
  public boolean clientErrorsFail() {
    return clientErrorsFail;
  }

  /** Whether servers answer with a W3C {@code traceresponse} header naming their request's span. */
  public boolean traceResponse() {
    return traceResponse;
  }

  /** The handler of outgoing requests for a library whose types {@code adapter} reads. */
  public <Req, Resp> HttpClientHandler<Req, Resp> clientHandler(HttpClientAdapter<Req, Resp> adapter) {
    return new HttpClientHandler<>(this, adapter);
  }

  /** The handler of incoming requests for a library whose types {@code adapter} reads. */
  public <Req, Resp> HttpServerHandler<Req, Resp> serverHandler(HttpServerAdapter<Req, Resp> adapter) {
    return new HttpServerHandler<>(this, adapter);
  }

  /** How many times tracing code failed (the request then ran untraced, or its span was cut short). */
  public long failures() {
    return failures.sum();
  }

  /** Counts and logs (rate-limited) a failure of tracing code; for handlers and adapters. Never throws. */
  public void failed(String where, Throwable error) {
    failures.increment();
    FAILURES.log(where, error);
  }

  @Override
  public String toString() {
    return "HttpTracing{redactQueryValues=" + redactQueryValues + ", legacyRequestId=" + legacyRequestId
        + ", clientErrorsFail=" + clientErrorsFail + ", traceResponse=" + traceResponse + "}";
  }

  /** Configures {@link HttpTracing}. */
  public static final class Builder {
    private final Tracer tracer;
    private boolean redactQueryValues = true;
    private boolean legacyRequestId;
    private boolean clientErrorsFail;
    private boolean traceResponse;

    private Builder(Tracer tracer) {
      this.tracer = Objects.requireNonNull(tracer, "tracer");
    }

    /** Whether query values in {@code url.full} are replaced by {@code REDACTED} (default true). */
    public Builder redactQueryValues(boolean redact) {
      this.redactQueryValues = redact;
      return this;
    }

    /**
     * Whether outgoing requests also carry the legacy {@code Request-Id} header ({@code |traceId.spanId.}) for
     * servers running older Application Insights SDKs (default false).
     */
    public Builder legacyRequestId(boolean legacyRequestId) {
      this.legacyRequestId = legacyRequestId;
      return this;
    }

    /** Whether a server's 4xx responses mark its request failed (default false: the client's mistake). */
    public Builder clientErrorsFail(boolean clientErrorsFail) {
      this.clientErrorsFail = clientErrorsFail;
      return this;
    }

    /** Whether servers answer with a W3C {@code traceresponse} header (default false). */
    public Builder traceResponse(boolean traceResponse) {
      this.traceResponse = traceResponse;
      return this;
    }

    public HttpTracing build() {
      return new HttpTracing(this);
    }
  }
}
