package io.weft.spring;

import io.weft.core.SpanContext;
import io.weft.core.instrumentation.HttpServerAdapter;
import io.weft.core.propagation.W3CTraceContext;
import java.net.InetSocketAddress;
import java.net.URI;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;

/** Spring's reactive server request and response, as the shared server handler reads them. */
enum ServerRequestAdapter implements HttpServerAdapter<ServerHttpRequest, ServerHttpResponse> {
  INSTANCE;

  @Override
  public String method(ServerHttpRequest request) {
    return request.getMethod().name();
  }

  @Override
  public String target(ServerHttpRequest request) {
    URI uri = request.getURI();
    String path = uri.getRawPath();
    String query = uri.getRawQuery();
    String target = path == null || path.isEmpty() ? "/" : path;
    return query == null ? target : target + "?" + query;
  }

  @Override
  public @Nullable String host(ServerHttpRequest request) {
    return request.getURI().getHost();
  }

  @Override
  public int port(ServerHttpRequest request) {
    return request.getURI().getPort();
  }

  @Override
  public @Nullable String scheme(ServerHttpRequest request) {
    return request.getURI().getScheme();
  }

  @Override
  public @Nullable String clientAddress(ServerHttpRequest request) {
    InetSocketAddress remote = request.getRemoteAddress();
    return remote == null ? null : remote.getHostString();
  }

  @Override
  public @Nullable String userAgent(ServerHttpRequest request) {
    return request.getHeaders().getFirst(HttpHeaders.USER_AGENT);
  }

  @Override
  public SpanContext extract(ServerHttpRequest request) {
    HttpHeaders headers = request.getHeaders();
    return W3CTraceContext.parse(headers.getFirst(W3CTraceContext.TRACEPARENT),
        headers.getValuesAsList(W3CTraceContext.TRACESTATE));
  }

  @Override
  public int statusCode(ServerHttpResponse response) {
    HttpStatusCode status = response.getStatusCode();
    return status == null ? -1 : status.value();
  }
}
