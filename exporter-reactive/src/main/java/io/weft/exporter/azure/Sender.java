package io.weft.exporter.azure;

import java.net.URI;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The sender stage's transport: posts one gzip NDJSON body and reports the service's answer. {@link NettySender}
 * is the real one; tests and benchmarks plug fakes into the exporter's package-private constructor.
 *
 * <p>Threading: {@link #send} is called from a parallel thread (where the body was just compressed); the returned
 * Mono is subscribed there and may signal on any thread. It must never block the caller. It completes with the
 * response, whatever its status, or errors for a transport failure (connection refused or reset, timeout); the
 * exporter treats both alike: an answer it classifies, or a failure it retries.
 */
interface Sender {

  /** Posts {@code gzipBody} to {@code url}. */
  Mono<Response> send(URI url, byte[] gzipBody);

  /** Releases connections; sends after it fail. */
  Mono<Void> close();

  /**
   * The service's answer.
   *
   * @param status the HTTP status
   * @param retryAfter the {@code Retry-After} header, if any
   * @param location the {@code Location} header, if any
   * @param body the response body as text (empty when none)
   */
  record Response(int status, @Nullable String retryAfter, @Nullable String location, String body) {}
}
