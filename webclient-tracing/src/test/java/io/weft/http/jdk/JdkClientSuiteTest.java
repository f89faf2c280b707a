package io.weft.http.jdk;

import io.weft.core.Scope;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.testing.http.AbstractHttpClientTracingTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** The shared HTTP client suite against the JDK's {@code HttpClient}: the parent is the thread-local current span. */
class JdkClientSuiteTest extends AbstractHttpClientTracingTest {

  @Override
  protected Client client(HttpTracing tracing) {
    HttpClient client = JdkHttpClientTracing.create(tracing).decorate(HttpClient.newBuilder().connectTimeout(TIMEOUT)
        .build());
    return (url, parent) -> {
      HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).build();
      if (parent == null) {
        return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      }
      try (Scope scope = parent.makeCurrent()) {
        return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      }
    };
  }
}
