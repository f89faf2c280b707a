package io.weft.http.jdk;

import io.weft.core.Span;
import io.weft.core.Tracer;
import io.weft.core.instrumentation.HttpClientAdapter;
import io.weft.core.instrumentation.HttpClientHandler;
import io.weft.core.instrumentation.HttpSpans;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.core.propagation.W3CTraceContext;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

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
 *       values replaced by {@code REDACTED} unless {@link HttpTracing#redactQueryValues()} says otherwise),
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
 * {@link #failures()} and logged (rate-limited). {@code sendAsync} never blocks. Naming, URL recording and status
 * rules are {@link HttpClientHandler}'s, configured by {@link HttpTracing}.
 *
 * <p>Immutable and thread-safe; one instance may decorate any number of clients.
 */
public final class JdkHttpClientTracing {
  private final HttpTracing tracing;
  private final HttpClientHandler<Call, HttpResponse<?>> handler;

  private JdkHttpClientTracing(HttpTracing tracing) {
    this.tracing = tracing;
    this.handler = tracing.clientHandler(Adapter.INSTANCE);
  }

  /** Client tracing with the default {@link HttpTracing}. */
  public static JdkHttpClientTracing create(Tracer tracer) {
    return create(HttpTracing.create(tracer));
  }

  /** Client tracing with the given HTTP settings. */
  public static JdkHttpClientTracing create(HttpTracing tracing) {
    return new JdkHttpClientTracing(Objects.requireNonNull(tracing, "tracing"));
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

  /** How many times HTTP tracing failed (the call then went out without a span or without trace headers). */
  public long failures() {
    return tracing.failures();
  }

  /**
   * A call about to be made: the request as the caller made it, and, once its span started, the span and the copy
   * of the request that carries the span's context (the JDK's requests are immutable).
   */
  static final class Call {
    final HttpRequest original;
    Span span = Span.invalid();
    private HttpRequest.@Nullable Builder copy;
    private HttpRequest toSend;

    Call(HttpRequest original) {
      this.original = original;
      this.toSend = original;
    }

    /** The request to send: the copy with the propagation headers, else (no span, or no copy possible) the original. */
    HttpRequest request() {
      return toSend;
    }

    /** Builds the copy once the headers are set; throws what {@code HttpRequest.Builder} refuses. */
    void seal() {
      HttpRequest.Builder builder = copy;
      if (builder != null) {
        toSend = builder.build();
      }
    }

    void setHeader(String name, String value) {
      HttpRequest.Builder builder = copy;
      if (builder == null) {
        // The caller's own propagation headers go: the span of this call is the parent the server must see.
        builder = HttpRequest.newBuilder(original, (header, ignored) -> !isPropagationHeader(header));
        copy = builder;
      }
      builder.setHeader(name, value);
    }

    private static boolean isPropagationHeader(String name) {
      String lower = name.toLowerCase(Locale.ROOT);
      return lower.equals(W3CTraceContext.TRACEPARENT) || lower.equals(W3CTraceContext.TRACESTATE)
          || lower.equalsIgnoreCase(HttpSpans.REQUEST_ID);
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
    Call call = new Call(original);
    call.span = handler.handleSend(call, null, route);
    try {
      call.seal();
    } catch (RuntimeException | LinkageError e) {
      tracing.failed("copying a request with its trace headers", e); // it goes out as the caller made it
    }
    return call;
  }

  /** Ends the span of a call that returned {@code response}. */
  void succeeded(Span span, HttpResponse<?> response) {
    handler.handleReceive(span, response, null);
  }

  /** Ends the span of a call that threw {@code error}. */
  void failed(Span span, Throwable error) {
    handler.handleReceive(span, null, error);
  }

  /**
   * Ends {@code span} when {@code future} completes: with the response, the failure, or as cancelled when the caller
   * cancelled it. Registers a callback only; never blocks.
   */
  <T> void endOnCompletion(Span span, CompletableFuture<HttpResponse<T>> future) {
    try {
      future.whenComplete((response, error) -> {
        if (error == null) {
          handler.handleReceive(span, response, null);
          return;
        }
        Throwable cause = unwrap(error);
        if (cause instanceof CancellationException) {
          handler.handleCancel(span, -1);
        } else {
          handler.handleReceive(span, null, cause);
        }
      });
    } catch (RuntimeException | LinkageError e) {
      tracing.failed("watching an asynchronous HTTP call", e);
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

  /** The JDK's request (through a {@link Call}) and response, as the client handler reads them. */
  private enum Adapter implements HttpClientAdapter<Call, HttpResponse<?>> {
    INSTANCE;

    @Override
    public String method(Call call) {
      return call.original.method();
    }

    @Override
    public String url(Call call) {
      return call.original.uri().toString();
    }

    @Override
    public void setHeader(Call call, String name, String value) {
      call.setHeader(name, value);
    }

    @Override
    public int statusCode(HttpResponse<?> response) {
      return response.statusCode();
    }
  }

  @Override
  public String toString() {
    return "JdkHttpClientTracing{" + tracing + "}";
  }
}
