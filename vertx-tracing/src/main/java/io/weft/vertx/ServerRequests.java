package io.weft.vertx;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.weft.core.Span;

/** What Vert.x's tag extractor does not give for a server request, read from the request itself when it is HTTP. */
final class ServerRequests {
  private ServerRequests() {}

  static void describe(Object request, Span span) {
    if (!(request instanceof HttpServerRequest)) {
      return;
    }
    HttpServerRequest http = (HttpServerRequest) request;
    SocketAddress remote = http.remoteAddress();
    if (remote != null && remote.hostAddress() != null) {
      span.setAttribute("client.address", remote.hostAddress());
    }
    String userAgent = http.getHeader(HttpHeaders.USER_AGENT);
    if (userAgent != null) {
      span.setAttribute("user_agent.original", userAgent);
    }
  }
}
