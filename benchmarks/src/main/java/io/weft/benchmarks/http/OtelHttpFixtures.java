package io.weft.benchmarks.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.weft.core.instrumentation.SemanticAttributes;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.BiFunction;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * What a user writes to get Weft's HTTP client and server spans from the OpenTelemetry SDK alone, for
 * {@link HttpPairedRoundTripBenchmark}'s {@code otelBoth} mode: the same span names and attributes, W3C propagation
 * through the SDK's own propagator, the server span current in the handler's Reactor context under
 * {@link #CONTEXT_KEY}. OpenTelemetry's reactor-netty instrumentation exists only inside its Java agent (which
 * also records metrics and runs more extractors), so this is a lower bound for what OpenTelemetry costs here.
 */
final class OtelHttpFixtures {
  /** The Reactor context key carrying the OpenTelemetry {@link Context} (the application's choice). */
  static final String CONTEXT_KEY = "otel.context";

  private static final AttributeKey<Span> SPAN = AttributeKey.valueOf(OtelHttpFixtures.class, "span");
  private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();
  private static final TextMapGetter<HttpHeaders> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(HttpHeaders carrier) {
      return carrier.names();
    }

    @Override
    public String get(HttpHeaders carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  private OtelHttpFixtures() {}

  /** {@code client} with a CLIENT span per request, ended when the response has been received in full. */
  static HttpClient client(HttpClient client, Tracer tracer) {
    return client
        .doOnRequest((request, connection) -> {
          Context parent = request.currentContextView().getOrDefault(CONTEXT_KEY, Context.current());
          String method = request.method().name();
          String uri = request.uri();
          int query = uri.indexOf('?');
          var builder = tracer.spanBuilder(method + " " + (query < 0 ? uri : uri.substring(0, query)))
              .setSpanKind(SpanKind.CLIENT)
              .setParent(parent)
              .setAttribute(SemanticAttributes.HTTP_REQUEST_METHOD, method)
              .setAttribute(SemanticAttributes.URL_FULL, request.resourceUrl());
          SocketAddress remote = connection.channel().remoteAddress();
          if (remote instanceof InetSocketAddress inet) {
            builder.setAttribute(SemanticAttributes.SERVER_ADDRESS, inet.getHostString());
            builder.setAttribute(SemanticAttributes.SERVER_PORT, (long) inet.getPort());
          }
          Span span = builder.startSpan();
          W3C.inject(parent.with(span), request, (carrier, key, value) -> carrier.header(key, value));
          connection.channel().attr(SPAN).set(span);
        })
        .doAfterResponseSuccess((response, connection) -> {
          Span span = connection.channel().attr(SPAN).getAndSet(null);
          if (span != null) {
            int status = response.status().code();
            span.setAttribute(SemanticAttributes.HTTP_RESPONSE_STATUS_CODE, (long) status);
            if (status >= 400) {
              span.setStatus(StatusCode.ERROR);
            }
            span.end();
          }
        })
        .doOnError((request, error) -> { }, (response, error) -> {
          Span span = response instanceof reactor.netty.Connection connection
              ? connection.channel().attr(SPAN).getAndSet(null) : null;
          if (span != null) {
            span.recordException(error);
            span.setStatus(StatusCode.ERROR);
            span.end();
          }
        });
  }

  /** {@code handler} for the route {@code route}, with a SERVER span current in its Reactor context. */
  static BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> server(Tracer tracer, String route,
      BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
    return (request, response) -> {
      Context parent = W3C.extract(Context.root(), request.requestHeaders(), HEADERS);
      String method = request.method().name();
      String uri = request.uri();
      int query = uri.indexOf('?');
      var builder = tracer.spanBuilder(method + " " + route)
          .setSpanKind(SpanKind.SERVER)
          .setParent(parent)
          .setAttribute(SemanticAttributes.HTTP_REQUEST_METHOD, method)
          .setAttribute(SemanticAttributes.URL_PATH, query < 0 ? uri : uri.substring(0, query))
          .setAttribute(SemanticAttributes.URL_FULL,
              request.scheme() + "://" + request.hostName() + ":" + request.hostPort() + uri)
          .setAttribute(SemanticAttributes.URL_SCHEME, request.scheme())
          .setAttribute(SemanticAttributes.HTTP_ROUTE, route);
      InetSocketAddress remote = request.remoteAddress();
      if (remote != null && remote.getAddress() != null) {
        builder.setAttribute(SemanticAttributes.CLIENT_ADDRESS, remote.getAddress().getHostAddress());
      }
      String userAgent = request.requestHeaders().get(HttpHeaderNames.USER_AGENT);
      if (userAgent != null) {
        builder.setAttribute(SemanticAttributes.USER_AGENT_ORIGINAL, userAgent);
      }
      Span span = builder.startSpan();
      Context context = parent.with(span);
      return Mono.from(handler.apply(request, response))
          .contextWrite(reactorContext -> reactorContext.put(CONTEXT_KEY, context))
          .doFinally(signal -> {
            int status = response.status().code();
            span.setAttribute(SemanticAttributes.HTTP_RESPONSE_STATUS_CODE, (long) status);
            if (status >= 500) {
              span.setStatus(StatusCode.ERROR);
            }
            span.end();
          });
    };
  }
}
