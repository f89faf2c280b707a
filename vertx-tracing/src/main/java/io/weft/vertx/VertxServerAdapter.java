package io.weft.vertx;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import io.weft.core.SpanContext;
import io.weft.core.instrumentation.HttpServerAdapter;
import io.weft.core.propagation.W3CTraceContext;
import org.jspecify.annotations.Nullable;

/** Vert.x's incoming HTTP requests and responses, as Weft's server handler reads them. */
enum VertxServerAdapter implements HttpServerAdapter<HttpServerRequest, HttpServerResponse> {
  INSTANCE;

  @Override
  public String method(HttpServerRequest request) {
    return request.method().name();
  }

  @Override
  public String target(HttpServerRequest request) {
    String uri = request.uri();
    return uri != null ? uri : request.path();
  }

  @Override
  public @Nullable String host(HttpServerRequest request) {
    HostAndPort authority = request.authority();
    return authority != null ? authority.host() : null;
  }

  @Override
  public int port(HttpServerRequest request) {
    HostAndPort authority = request.authority();
    return authority != null ? authority.port() : -1;
  }

  @Override
  public @Nullable String scheme(HttpServerRequest request) {
    return request.scheme();
  }

  @Override
  public @Nullable String clientAddress(HttpServerRequest request) {
    SocketAddress remote = request.remoteAddress();
    return remote != null ? remote.hostAddress() : null;
  }

  @Override
  public @Nullable String userAgent(HttpServerRequest request) {
    return request.getHeader(HttpHeaders.USER_AGENT);
  }

  @Override
  public SpanContext extract(HttpServerRequest request) {
    return W3CTraceContext.extract(request.headers());
  }

  @Override
  public int statusCode(HttpServerResponse response) {
    return response.getStatusCode();
  }
}
