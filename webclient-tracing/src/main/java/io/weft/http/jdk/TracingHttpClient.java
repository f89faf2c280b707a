package io.weft.http.jdk;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.jspecify.annotations.Nullable;

/**
 * The {@link HttpClient} {@link JdkHttpClientTracing#decorate} returns: every method goes to the wrapped client;
 * {@code send} and {@code sendAsync} are traced around it.
 *
 * <p>Java 21 added {@code shutdown}, {@code shutdownNow}, {@code awaitTermination}, {@code isTerminated} and
 * {@code close} to {@code HttpClient}, with defaults that do nothing. This class is compiled for Java 17, where they do
 * not exist, so it declares them as plain methods: on Java 21 and later they override the defaults at run time and
 * reach the wrapped client (looked up once, by method handle), so closing the decorated client closes the wrapped one.
 */
final class TracingHttpClient extends HttpClient {
  private static final @Nullable MethodHandle SHUTDOWN = lookup("shutdown", MethodType.methodType(void.class));
  private static final @Nullable MethodHandle SHUTDOWN_NOW = lookup("shutdownNow", MethodType.methodType(void.class));
  private static final @Nullable MethodHandle AWAIT_TERMINATION =
      lookup("awaitTermination", MethodType.methodType(boolean.class, Duration.class));
  private static final @Nullable MethodHandle IS_TERMINATED =
      lookup("isTerminated", MethodType.methodType(boolean.class));
  private static final @Nullable MethodHandle CLOSE = lookup("close", MethodType.methodType(void.class));

  private final HttpClient delegate;
  private final JdkHttpClientTracing tracing;

  TracingHttpClient(HttpClient delegate, JdkHttpClientTracing tracing) {
    this.delegate = delegate;
    this.tracing = tracing;
  }

  JdkHttpClientTracing tracing() {
    return tracing;
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> handler)
      throws IOException, InterruptedException {
    if (request == null || handler == null) {
      return delegate.send(request, handler); // the wrapped client's own NullPointerException
    }
    JdkHttpClientTracing.Call call = tracing.start(request);
    HttpResponse<T> response;
    try {
      response = delegate.send(call.request(), handler);
    } catch (Throwable error) {
      tracing.failed(call.span, error);
      throw error;
    }
    tracing.succeeded(call.span, response);
    return response;
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, BodyHandler<T> handler) {
    if (request == null || handler == null) {
      return delegate.sendAsync(request, handler);
    }
    return traced(request, sent -> delegate.sendAsync(sent, handler));
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, BodyHandler<T> handler,
      @Nullable PushPromiseHandler<T> pushPromiseHandler) {
    if (request == null || handler == null) {
      return delegate.sendAsync(request, handler, pushPromiseHandler);
    }
    return traced(request, sent -> delegate.sendAsync(sent, handler, pushPromiseHandler));
  }

  /** An asynchronous send of {@code request}, traced: the span ends when the returned future completes. */
  private <T> CompletableFuture<HttpResponse<T>> traced(HttpRequest request,
      Function<HttpRequest, CompletableFuture<HttpResponse<T>>> send) {
    JdkHttpClientTracing.Call call = tracing.start(request);
    CompletableFuture<HttpResponse<T>> future;
    try {
      future = send.apply(call.request());
    } catch (Throwable error) {
      tracing.failed(call.span, error);
      throw error;
    }
    tracing.endOnCompletion(call.span, future);
    return future;
  }

  @Override
  public Optional<CookieHandler> cookieHandler() {
    return delegate.cookieHandler();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    return delegate.connectTimeout();
  }

  @Override
  public Redirect followRedirects() {
    return delegate.followRedirects();
  }

  @Override
  public Optional<ProxySelector> proxy() {
    return delegate.proxy();
  }

  @Override
  public SSLContext sslContext() {
    return delegate.sslContext();
  }

  @Override
  public SSLParameters sslParameters() {
    return delegate.sslParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    return delegate.authenticator();
  }

  @Override
  public Version version() {
    return delegate.version();
  }

  @Override
  public Optional<Executor> executor() {
    return delegate.executor();
  }

  /** The wrapped client's WebSocket builder; WebSockets are not traced. */
  @Override
  public WebSocket.Builder newWebSocketBuilder() {
    return delegate.newWebSocketBuilder();
  }

  // Java 21+ lifecycle: overrides at run time there (see the class comment); on Java 17 nothing calls these.

  /** Java 21+: {@code HttpClient.shutdown()} of the wrapped client. */
  public void shutdown() {
    MethodHandle handle = SHUTDOWN;
    if (handle != null) {
      try {
        handle.invokeExact(delegate);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Java 21+: {@code HttpClient.shutdownNow()} of the wrapped client. */
  public void shutdownNow() {
    MethodHandle handle = SHUTDOWN_NOW;
    if (handle != null) {
      try {
        handle.invokeExact(delegate);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Java 21+: {@code HttpClient.awaitTermination(Duration)} of the wrapped client. */
  public boolean awaitTermination(Duration duration) throws InterruptedException {
    MethodHandle handle = AWAIT_TERMINATION;
    if (handle == null) {
      return true;
    }
    try {
      return (boolean) handle.invokeExact(delegate, duration);
    } catch (RuntimeException | Error | InterruptedException e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /** Java 21+: {@code HttpClient.isTerminated()} of the wrapped client. */
  public boolean isTerminated() {
    MethodHandle handle = IS_TERMINATED;
    if (handle == null) {
      return false;
    }
    try {
      return (boolean) handle.invokeExact(delegate);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /** Java 21+: {@code HttpClient.close()} of the wrapped client. */
  public void close() {
    MethodHandle handle = CLOSE;
    if (handle != null) {
      try {
        handle.invokeExact(delegate);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static @Nullable MethodHandle lookup(String name, MethodType type) {
    try {
      return MethodHandles.publicLookup().findVirtual(HttpClient.class, name, type);
    } catch (NoSuchMethodException | IllegalAccessException e) {
      return null; // Java 17-20
    }
  }

  @Override
  public String toString() {
    return "traced " + delegate;
  }
}
