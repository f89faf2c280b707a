package io.weft.core.instrumentation;

import io.weft.core.SpanContext;
import org.jspecify.annotations.Nullable;

/**
 * What {@link HttpServerHandler} needs to know of one library's incoming requests and responses. An adapter is
 * stateless, usually a singleton; it only reads the library's own objects.
 *
 * <p>Called on the library's threads, often an event loop: it must not block. What it throws is caught by the
 * handler, counted and logged; the request is then served untraced.
 *
 * @param <Req> the library's request type (or a small holder around it)
 * @param <Resp> the library's response type
 */
public interface HttpServerAdapter<Req, Resp> {

  /** The request method, as received. */
  String method(Req request);

  /** The request target as received: the path and the query, if any. */
  String target(Req request);

  /**
   * The host the request was addressed to (its {@code Host} header or authority, forwarded headers honoured when the
   * library does), without the port; null when unknown. With the scheme, the port and the target it makes {@code
   * url.full}, which the handler builds only at export.
   */
  @Nullable String host(Req request);

  /** The port the request was addressed to, or -1 when it gave none (the scheme's default then). */
  int port(Req request);

  /** The request's scheme ({@code http}, {@code https}), or null when unknown. */
  @Nullable String scheme(Req request);

  /** The address of the client, as the server saw it (forwarded headers honoured when the library does). */
  @Nullable String clientAddress(Req request);

  /** The {@code User-Agent} header, or null. */
  @Nullable String userAgent(Req request);

  /**
   * The caller's trace context, read from the request's {@code traceparent} and {@code tracestate} headers by {@link
   * io.weft.core.propagation.W3CTraceContext}'s rules; {@link SpanContext#INVALID} when absent or malformed.
   */
  SpanContext extract(Req request);

  /** The response's status code, or -1 when there is none. */
  int statusCode(Resp response);
}
