package io.weft.vertx;

import io.weft.core.instrumentation.HttpClientAdapter;
import io.weft.core.instrumentation.SemanticAttributes;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Vert.x's outgoing HTTP requests, as Weft's client handler reads them: Vert.x hands its tracer the request's tags
 * (the semantic-convention names, read through its tag extractor) and a sink for headers, not the request itself.
 */
enum VertxClientAdapter implements HttpClientAdapter<VertxClientAdapter.Outgoing, Map<String, String>> {
  INSTANCE;

  /** One outgoing request: its tags, the operation Vert.x named it by, and where its headers go. */
  record Outgoing(Map<String, String> tags, String operation, BiConsumer<String, String> headers) {}

  @Override
  public String method(Outgoing request) {
    return request.tags().getOrDefault(SemanticAttributes.HTTP_REQUEST_METHOD, request.operation());
  }

  @Override
  public String url(Outgoing request) {
    return request.tags().getOrDefault(SemanticAttributes.URL_FULL, "");
  }

  @Override
  public void setHeader(Outgoing request, String name, String value) {
    request.headers().accept(name, value);
  }

  @Override
  public int statusCode(Map<String, String> response) {
    return Tags.number(response.get(SemanticAttributes.HTTP_RESPONSE_STATUS_CODE));
  }
}
