package io.weft.core.instrumentation;

import io.weft.core.AttributeSource;
import org.jspecify.annotations.Nullable;

/**
 * The attributes of HTTP spans, derived at export from what the handlers captured on the request's thread: the
 * recorded URL (userinfo and fragment removed, query values redacted), the server's address and port, the path.
 * Capturing costs a few field writes; the string work runs on the exporter's thread, and never for an unsampled span.
 */
final class HttpAttributes {
  private HttpAttributes() {}

  /** A client call: method, the URL as the library gave it, the route template and the resend count. */
  record Client(String method, String url, @Nullable String route, int resends, boolean redact)
      implements AttributeSource {
    @Override
    public void addTo(Sink sink) {
      sink.put(SemanticAttributes.HTTP_REQUEST_METHOD, method);
      if (url.indexOf("://") > 0) {
        sink.put(SemanticAttributes.URL_FULL, HttpSpans.recordedUrl(url, redact));
        HttpSpans.server(url, sink);
      }
      sink.put(SemanticAttributes.HTTP_ROUTE, route);
      if (resends > 0) {
        sink.put(SemanticAttributes.HTTP_REQUEST_RESEND_COUNT, resends);
      }
    }
  }

  /** A request a server received: method, target, and the parts the absolute URL is made of. */
  record Server(String method, String target, @Nullable String scheme, @Nullable String host, int port,
      @Nullable String client, @Nullable String userAgent, boolean redact) implements AttributeSource {
    @Override
    public void addTo(Sink sink) {
      sink.put(SemanticAttributes.HTTP_REQUEST_METHOD, method);
      sink.put(SemanticAttributes.URL_PATH, HttpSpans.path(target));
      if (scheme != null && host != null) {
        sink.put(SemanticAttributes.URL_FULL, HttpSpans.recordedUrl(HttpSpans.url(scheme, host, port, target), redact));
      }
      sink.put(SemanticAttributes.URL_SCHEME, scheme);
      sink.put(SemanticAttributes.CLIENT_ADDRESS, client);
      sink.put(SemanticAttributes.USER_AGENT_ORIGINAL, userAgent);
    }
  }
}
