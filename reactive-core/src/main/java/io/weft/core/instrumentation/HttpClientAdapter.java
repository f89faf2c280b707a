package io.weft.core.instrumentation;

/**
 * What {@link HttpClientHandler} needs to know of one library's outgoing requests and responses. An adapter is
 * stateless, usually a singleton; it reads (and, for propagation, writes headers into) the library's own objects.
 *
 * <p>Called on whatever thread the library calls the integration on, often an event loop: it must not block. What
 * it throws is caught by the handler, counted and logged; the request then goes out untraced.
 *
 * @param <Req> the library's request type (or a small holder around it)
 * @param <Resp> the library's response type
 */
public interface HttpClientAdapter<Req, Resp> {

  /** The request method, as sent ({@code GET}). */
  String method(Req request);

  /**
   * The absolute URL the request goes to ({@code https://host:port/path?query}); when the library does not know it
   * yet, the request target as given (a path, or anything else: the handler records a URL only when it has a
   * scheme).
   */
  String url(Req request);

  /** Sets request header {@code name}, replacing any value it has: how the trace context travels. */
  void setHeader(Req request, String name, String value);

  /** The response's status code, or -1 when there is none. */
  int statusCode(Resp response);

  /** How many times this request was sent before this attempt (redirect hops); 0 when the library does not say. */
  default int resendCount(Req request) {
    return 0;
  }
}
