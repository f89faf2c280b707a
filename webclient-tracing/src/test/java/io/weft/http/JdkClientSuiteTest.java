package io.weft.http;

import io.weft.core.Scope;
import io.weft.core.Span;
import io.weft.testing.http.AbstractHttpClientTracingTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.jspecify.annotations.Nullable;

/** The shared HTTP client suite against the JDK's {@code HttpClient}: the parent is the thread-local current span. */
class JdkClientSuiteTest extends AbstractHttpClientTracingTest {
  final HttpClient client = JdkHttpClientTracing.create(tracer).decorate(HttpClient.newBuilder().connectTimeout(TIMEOUT)
      .build());

  @Override
  protected int get(String url, @Nullable Span parent) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).build();
    if (parent == null) {
      return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
    try (Scope scope = parent.makeCurrent()) {
      return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
  }
}
