package io.weft.http;

import io.weft.core.internal.HttpSpans;
import io.weft.core.Span;
import io.weft.core.SpanContext;
import io.weft.core.SpanKind;
import io.weft.core.Tracer;
import io.weft.core.internal.FailureLog;
import io.weft.core.propagation.W3CTraceContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.LoggerFactory;

/**
 * Traces the calls of a {@link java.net.http.HttpClient}: every {@code send} and {@code sendAsync} is a CLIENT span
 * (Application Insights dependency telemetry), and the request goes out with {@code traceparent}/{@code tracestate}
 * (and, by option, the legacy {@code Request-Id}) naming that span, so the server continues the trace.
 *
 * <pre>{@code
 * HttpClient client = JdkHttpClientTracing.create(tracer).decorate(HttpClient.newHttpClient());
 * try (SpanScope scope = tracer.spanBuilder("checkout").startScoped()) {
 *   client.send(JdkHttpClientTracing.withRoute(request, "/orders/{id}"), BodyHandlers.ofString());
 * }
 * }</pre>
 *
 * <ul>
 *   <li><b>Name</b>: {@code METHOD /path} (never the query), or {@code METHOD /route} for a request wrapped by
 *       {@link #withRoute(HttpRequest, String)}.
 *   <li><b>Attributes</b>: {@code http.request.method}, {@code url.full} (userinfo and fragment always removed, query
 *       values replaced by {@code REDACTED} unless {@link Builder#redactQueryValues(boolean)} says otherwise),
 *       {@code server.address}, {@code server.port} (explicit, else the scheme's default),
 *       {@code http.response.status_code}, and on failure {@code error.type}.
 *   <li><b>Outcome</b>: a response below 400 succeeds; 4xx and 5xx fail the span ({@code error.type} = the status);
 *       an exception (connection refused, timeout, interrupt, ...) fails it with the exception recorded
 *       ({@code error.type} = its class). The exception and the response reach the caller unchanged.
 *   <li><b>Parent</b>: the thread-local current span at the time of the call ({@link Span#current()}: set by a
 *       {@code SpanScope}, or by Reactor's automatic context propagation), else a new trace, sampled as the tracer's
 *       sampler decides. Headers are sent in every case, also for unsampled traces (flags {@code 00}), so the server
 *       follows the decision. {@code traceparent}, {@code tracestate} and {@code Request-Id} headers the caller set are
 *       replaced: the span of this call is the parent the server must see.
 *   <li><b>End</b>: when {@code send} returns or throws; for {@code sendAsync} when the returned future completes. A
 *       caller that cancels that future ends the span with {@code weft.cancelled=true} (not a failure). The future
 *       returned is the wrapped client's own, so cancelling it still cancels the exchange as the JDK defines. (The
 *       JDK client may then complete it with a {@code CancellationException} wrapped in a {@code CompletionException}
 *       instead of leaving it cancelled; either way the span ends cancelled.) A body handler that streams
 *       ({@code ofInputStream}, {@code ofPublisher}, ...) completes at the response headers, so the span does not
 *       cover reading the body.
 * </ul>
 *
 * <p>The JDK client follows redirects ({@link HttpClient.Redirect}) and answers authentication challenges
 * internally: such a call is one span, with the final status and the URL the caller asked for (with reactor-netty's
 * client, every redirect hop is a request of its own). Server-pushed HTTP/2 responses are not traced; WebSockets from
 * {@link HttpClient#newWebSocketBuilder()} are not traced.
 *
 * <p>Tracing never breaks a call: when it fails, the call goes out as the caller made it, the failure is counted in
 * {@link #failures()} and logged once at WARN. {@code sendAsync} never blocks.
 *
 * <p>Immutable and thread-safe; one instance may decorate any number of clients.
 */
public final class JdkHttpClientTracing {
  private static final FailureLog FAILURES = new FailureLog(LoggerFactory.getLogger(JdkHttpClientTracing.class),
      "JDK HttpClient tracing failed; the call goes out as made");

  private final Tracer tracer;
  private final boolean redactQuery;
  private final boolean legacyRequestId;
  private final LongAdder failures = new LongAdder();

  private JdkHttpClientTracing(Builder builder) {
    this.tracer = builder.tracer;
    this.redactQuery = builder.redactQuery;
    this.legacyRequestId = builder.legacyRequestId;
  }

  /** Client tracing with the defaults: query values redacted, no {@code Request-Id}. */
  public static JdkHttpClientTracing create(Tracer tracer) {
    return builder(tracer).build();
  }

  public static Builder builder(Tracer tracer) {
    return new Builder(tracer);
  }

  /**
   * {@code client}, traced: an {@link HttpClient} that hands every method to {@code client} (configuration getters
   * included) and traces {@code send} and both {@code sendAsync}. A client this instance already decorated is
   * returned as is.
   */
  public HttpClient decorate(HttpClient client) {
    Objects.requireNonNull(client, "client");
    if (client instanceof TracingHttpClient && ((TracingHttpClient) client).tracing() == this) {
      return client;
    }
    return new TracingHttpClient(client, this);
  }

  /**
   * {@code request} with a route template, e.g. {@code "/orders/{id}"}, for the span name ({@code GET /orders/{id}}):
   * calls to the same route then group under one name whatever the ids in the path. The request returned behaves
   * exactly as {@code request} (also on an undecorated client); a decorated client sends {@code request} itself.
   */
  public static HttpRequest withRoute(HttpRequest request, String routeTemplate) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(routeTemplate, "routeTemplate");
    HttpRequest plain = request instanceof RoutedHttpRequest ? ((RoutedHttpRequest) request).delegate() : request;
    return new RoutedHttpRequest(plain, routeTemplate);
  }

  /** How many times tracing itself failed (the call then went out without a span or without trace headers). */
  public long failures() {
    return failures.sum();
  }

  /** A call about to be made: its span (possibly unsampled or invalid) and the request to send. */
  static final class Call {
    final Span span;
    final HttpRequest request;

    Call(Span span, HttpRequest request) {
      this.span = span;
      this.request = request;
    }
  }

  /** Starts the span of a call and builds the request carrying its context. Never throws. */
  Call start(HttpRequest request) {
    HttpRequest original = request;
    String route = null;
    if (request instanceof RoutedHttpRequest) {
      original = ((RoutedHttpRequest) request).delegate();
      route = ((RoutedHttpRequest) request).route();
    }
    Span span;
    try {
      URI uri = original.uri();
      String method = original.method();
      span = tracer.spanBuilder(HttpSpans.spanName(method, route, HttpSpans.path(uri.getRawPath())))
          .kind(SpanKind.CLIENT)
          .start();
      if (span.isRecording()) {
        span.setAttribute("http.request.method", method);
        span.setAttribute("url.full", HttpSpans.recordedUrl(uri.toString(), redactQuery));
        String host = uri.getHost();
        if (host != null) {
          span.setAttribute("server.address", host.startsWith("[") && host.endsWith("]")
              ? host.substring(1, host.length() - 1) : host);
        }
        int port = HttpSpans.port(uri.getScheme(), uri.getPort());
        if (port > 0) {
          span.setAttribute("server.port", (long) port);
        }
      }
    } catch (RuntimeException | LinkageError e) {
      failed("starting an HTTP client span", e);
      return new Call(Span.invalid(), original);
    }
    try {
      return new Call(span, withContext(original, span.context()));
    } catch (RuntimeException | LinkageError e) {
      failed("adding trace headers to the request", e);
      return new Call(span, original);
    }
  }

  /** A copy of {@code request} whose propagation headers name {@code context} and nothing else. */
  private HttpRequest withContext(HttpRequest request, SpanContext context) {
    if (!context.isValid()) {
      return request;
    }
    HttpRequest.Builder copy = HttpRequest.newBuilder(request, (name, value) -> !isPropagationHeader(name));
    HttpSpans.inject(context, copy::setHeader, legacyRequestId);
    return copy.build();
  }

  private static boolean isPropagationHeader(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.equals(W3CTraceContext.TRACEPARENT) || lower.equals(W3CTraceContext.TRACESTATE)
        || lower.equals("request-id");
  }

  /** Ends the span of a call that returned {@code response}. */
  void succeeded(Span span, HttpResponse<?> response) {
    try {
      HttpSpans.clientStatus(span, response.statusCode());
    } catch (RuntimeException | LinkageError e) {
      failed("recording an HTTP response", e);
    } finally {
      span.end();
    }
  }

  /** Ends the span of a call that threw {@code error}. */
  void failed(Span span, Throwable error) {
    try {
      HttpSpans.failure(span, error);
    } catch (RuntimeException | LinkageError e) {
      failed("recording an HTTP client failure", e);
    } finally {
      span.end();
    }
  }

  /**
   * Ends {@code span} when {@code future} completes: with the response, the failure, or as cancelled when the caller
   * cancelled it. Registers a callback only; never blocks.
   */
  <T> void endOnCompletion(Span span, CompletableFuture<HttpResponse<T>> future) {
    try {
      future.whenComplete((response, error) -> {
        if (error == null) {
          if (response != null) {
            succeeded(span, response);
          } else {
            span.end();
          }
          return;
        }
        Throwable cause = unwrap(error);
        if (cause instanceof CancellationException) {
          span.endCancelled();
        } else {
          failed(span, cause);
        }
      });
    } catch (RuntimeException | LinkageError e) {
      failed("watching an asynchronous HTTP call", e);
      span.end();
    }
  }

  /** The exception a stage failed with, without the wrappers {@code CompletableFuture} adds between stages. */
  private static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  void failed(String where, Throwable error) {
    failures.increment();
    FAILURES.log(where, error);
  }

  /** Configures {@link JdkHttpClientTracing}. */
  public static final class Builder {
    private final Tracer tracer;
    private boolean redactQuery = true;
    private boolean legacyRequestId;

    private Builder(Tracer tracer) {
      this.tracer = Objects.requireNonNull(tracer, "tracer");
    }

    /** Whether query values in {@code url.full} are replaced by {@code REDACTED} (default true). */
    public Builder redactQueryValues(boolean redact) {
      this.redactQuery = redact;
      return this;
    }

    /**
     * Whether requests also carry the legacy {@code Request-Id} header ({@code |traceId.spanId.}) for servers running
     * older Application Insights SDKs (default false).
     */
    public Builder legacyRequestId(boolean legacyRequestId) {
      this.legacyRequestId = legacyRequestId;
      return this;
    }

    public JdkHttpClientTracing build() {
      return new JdkHttpClientTracing(this);
    }
  }
}
