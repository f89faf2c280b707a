package io.weft.http.netty;

import io.netty.handler.codec.http.HttpMethod;
import io.weft.core.instrumentation.HttpServerHandler;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.netty.http.server.HttpRouteHandlerMetadata;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * The {@link HttpServerRoutes} handed to {@link ReactorNettyServerTracing#routes}: registers every route on the real
 * routes, its handler wrapped so that the server span takes the route's template as its name. Routes given only as
 * a predicate keep the path name (their template is not known).
 */
final class RouteNamingRoutes implements HttpServerRoutes {
  private final HttpServerRoutes delegate;
  private final HttpServerHandler<HttpServerRequest, HttpServerResponse> tracing;

  RouteNamingRoutes(HttpServerRoutes delegate, HttpServerHandler<HttpServerRequest, HttpServerResponse> tracing) {
    this.delegate = delegate;
    this.tracing = tracing;
  }

  private BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> named(HttpMethod method,
      String template,
      BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
    return ReactorNettyServerTracing.named(tracing, method.name(), template, handler);
  }

  @Override
  public HttpServerRoutes get(String path,
      BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
    delegate.get(path, named(HttpMethod.GET, path, handler));
    return this;
  }

  @Override
  public HttpServerRoutes post(String path,
      BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
    delegate.post(path, named(HttpMethod.POST, path, handler));
    return this;
  }

  @Override
  public HttpServerRoutes put(String path,
      BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
    delegate.put(path, named(HttpMethod.PUT, path, handler));
    return this;
  }

  @Override
  public HttpServerRoutes delete(String path,
      BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
    delegate.delete(path, named(HttpMethod.DELETE, path, handler));
    return this;
  }

  @Override
  public HttpServerRoutes head(String path,
      BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
    delegate.head(path, named(HttpMethod.HEAD, path, handler));
    return this;
  }

  @Override
  public HttpServerRoutes options(String path,
      BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
    delegate.options(path, named(HttpMethod.OPTIONS, path, handler));
    return this;
  }

  @Override
  public HttpServerRoutes index(
      BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
    delegate.index(ReactorNettyServerTracing.named(tracing, "*", "/", handler));
    return this;
  }

  @Override
  public HttpServerRoutes route(Predicate<? super HttpServerRequest> condition,
      BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
    delegate.route(condition, handler);
    return this;
  }

  @Override
  public HttpServerRoutes ws(String path,
      BiFunction<? super WebsocketInbound, ? super WebsocketOutbound, ? extends Publisher<Void>> handler) {
    delegate.ws(path, handler);
    return this;
  }

  @Override
  public HttpServerRoutes ws(String path,
      BiFunction<? super WebsocketInbound, ? super WebsocketOutbound, ? extends Publisher<Void>> handler,
      WebsocketServerSpec spec) {
    delegate.ws(path, handler, spec);
    return this;
  }

  @Override
  public HttpServerRoutes ws(Predicate<? super HttpServerRequest> condition,
      BiFunction<? super WebsocketInbound, ? super WebsocketOutbound, ? extends Publisher<Void>> handler,
      WebsocketServerSpec spec) {
    delegate.ws(condition, handler, spec);
    return this;
  }

  @Override
  public HttpServerRoutes directory(String uri, Path directory,
      @Nullable Function<HttpServerResponse, HttpServerResponse> interceptor) {
    delegate.directory(uri, directory, interceptor);
    return this;
  }

  @Override
  public HttpServerRoutes removeIf(Predicate<? super HttpRouteHandlerMetadata> condition) {
    delegate.removeIf(condition);
    return this;
  }

  @Override
  public HttpServerRoutes comparator(Comparator<HttpRouteHandlerMetadata> comparator) {
    delegate.comparator(comparator);
    return this;
  }

  @Override
  public HttpServerRoutes noComparator() {
    delegate.noComparator();
    return this;
  }

  @Override
  public Publisher<Void> apply(HttpServerRequest request, HttpServerResponse response) {
    return delegate.apply(request, response);
  }
}
