package io.weft.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/** JSON answers for the example's reactor-netty handlers. */
public final class HttpJson {
  static final ObjectMapper JSON = new ObjectMapper();

  private HttpJson() {}

  /** Answers {@code status} with {@code json} as the body; completes when it is written. */
  static Mono<Void> send(HttpServerResponse response, HttpResponseStatus status, String json) {
    return response.status(status).header(HttpHeaderNames.CONTENT_TYPE, "application/json")
        .sendString(Mono.just(json)).then();
  }

  /** {@code {"error": message}}. */
  public static String error(@Nullable String message) {
    return JSON.createObjectNode().put("error", message).toString();
  }
}
