package io.weft.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/** A plain reactor-netty client for tests (not Weft's exporter). */
final class Http {
  static final ObjectMapper JSON = new ObjectMapper();

  record Response(int status, HttpHeaders headers, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }
  }

  private final HttpClient client;

  Http(String baseUrl) {
    this.client = HttpClient.create().baseUrl(baseUrl).followRedirect(false).responseTimeout(Duration.ofSeconds(20));
  }

  Response post(String path, byte[] body, Map<String, String> headers) {
    return client.headers(h -> headers.forEach(h::set))
        .post().uri(path)
        .send(Mono.just(Unpooled.wrappedBuffer(body)))
        .responseSingle((response, content) -> content.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
            .map(text -> new Response(response.status().code(), response.responseHeaders(), text)))
        .block(Duration.ofSeconds(30));
  }

  Response postGzipNdjson(byte[] ndjson) {
    return post("/v2.1/track", Envelopes.gzip(ndjson),
        Map.of("Content-Type", "application/x-json-stream", "Content-Encoding", "gzip"));
  }

  Response get(String path) {
    return client.get().uri(path)
        .responseSingle((response, content) -> content.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
            .map(text -> new Response(response.status().code(), response.responseHeaders(), text)))
        .block(Duration.ofSeconds(30));
  }

  Response send(String method, String path) {
    return client.request(io.netty.handler.codec.http.HttpMethod.valueOf(method)).uri(path)
        .responseSingle((response, content) -> content.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
            .map(text -> new Response(response.status().code(), response.responseHeaders(), text)))
        .block(Duration.ofSeconds(30));
  }
}
