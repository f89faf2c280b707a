package io.weft.http.jdk;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Optional;

/**
 * A request with the route template its span is named after ({@link JdkHttpClientTracing#withRoute}). Everything
 * else is the wrapped request's, so it can be sent by any client; a traced client unwraps it before sending.
 * Immutable.
 */
final class RoutedHttpRequest extends HttpRequest {
  private final HttpRequest delegate;
  private final String route;

  RoutedHttpRequest(HttpRequest delegate, String route) {
    this.delegate = delegate;
    this.route = route;
  }

  HttpRequest delegate() {
    return delegate;
  }

  String route() {
    return route;
  }

  @Override
  public Optional<BodyPublisher> bodyPublisher() {
    return delegate.bodyPublisher();
  }

  @Override
  public String method() {
    return delegate.method();
  }

  @Override
  public Optional<Duration> timeout() {
    return delegate.timeout();
  }

  @Override
  public boolean expectContinue() {
    return delegate.expectContinue();
  }

  @Override
  public URI uri() {
    return delegate.uri();
  }

  @Override
  public Optional<HttpClient.Version> version() {
    return delegate.version();
  }

  @Override
  public HttpHeaders headers() {
    return delegate.headers();
  }

  @Override
  public String toString() {
    return delegate + " (route " + route + ")";
  }
}
