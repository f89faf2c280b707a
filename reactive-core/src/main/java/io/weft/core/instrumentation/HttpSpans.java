package io.weft.core.instrumentation;

import io.weft.core.AttributeSource;
import io.weft.core.Span;
import io.weft.core.SpanContext;
import io.weft.core.StatusCode;
import io.weft.core.propagation.W3CTraceContext;
import java.util.Locale;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP rules every HTTP integration shares, as pure functions: span names ({@code METHOD /route}, else {@code
 * METHOD /path}, never the query), the recorded URL (userinfo and fragment always removed, query values redacted
 * unless asked otherwise), {@code server.address}/{@code server.port} from a URL, what a status means for a client
 * and for a server, and the propagation headers. {@link HttpClientHandler} and {@link HttpServerHandler} apply them;
 * an integration that cannot use a handler can call them directly. Never throw on odd input.
 */
public final class HttpSpans {
  /** What replaces a query value in a recorded URL. */
  public static final String REDACTED = "REDACTED";
  /** The legacy Application Insights correlation header: {@code |traceId.spanId.}. */
  public static final String REQUEST_ID = "Request-Id";

  private HttpSpans() {}

  /**
   * The URL as recorded in {@code url.full}: without userinfo and fragment; with {@code redactQuery}, every query
   * value replaced by {@code REDACTED} (keys kept, so the shape of the call stays visible).
   */
  public static String recordedUrl(String url, boolean redactQuery) {
    String clean = url;
    int hash = clean.indexOf('#');
    if (hash >= 0) {
      clean = clean.substring(0, hash);
    }
    int scheme = clean.indexOf("://");
    if (scheme >= 0) {
      int authorityStart = scheme + 3;
      int authorityEnd = firstOf(clean, authorityStart, '/', '?', '#');
      int at = clean.lastIndexOf('@', authorityEnd - 1);
      if (at >= authorityStart) {
        clean = clean.substring(0, authorityStart) + clean.substring(at + 1);
      }
    }
    int query = redactQuery ? clean.indexOf('?') : -1;
    if (query < 0 || query == clean.length() - 1) {
      return clean;
    }
    // One pass, one builder: each value (after '=', up to '&') becomes REDACTED; keys and bare flags stay.
    StringBuilder out = new StringBuilder(clean.length() + 16).append(clean, 0, query + 1);
    boolean inValue = false;
    for (int k = query + 1, n = clean.length(); k < n; k++) {
      char c = clean.charAt(k);
      if (c == '&') {
        inValue = false;
        out.append(c);
      } else if (inValue) {
        continue;
      } else if (c == '=') {
        inValue = true;
        out.append('=').append(REDACTED);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** The index of the first of {@code a}, {@code b} or {@code c} in {@code s} from {@code from}; else its length. */
  private static int firstOf(String s, int from, char a, char b, char c) {
    for (int i = from, n = s.length(); i < n; i++) {
      char ch = s.charAt(i);
      if (ch == a || ch == b || ch == c) {
        return i;
      }
    }
    return s.length();
  }

  /** The path of a request target or URL, without query or fragment; {@code /} when empty. */
  public static String path(@Nullable String target) {
    if (target == null || target.isEmpty()) {
      return "/";
    }
    String path = target;
    int scheme = path.indexOf("://");
    if (scheme >= 0) {
      int slash = path.indexOf('/', scheme + 3);
      path = slash < 0 ? "/" : path.substring(slash);
    }
    int end = firstOf(path, 0, '?', '#', '?');
    path = path.substring(0, end);
    return path.isEmpty() ? "/" : path;
  }

  /** {@code METHOD /route} when a route template is known, else {@code METHOD /path}. */
  public static String spanName(String method, @Nullable String route, String path) {
    String upper = isUpperCase(method) ? method : method.toUpperCase(Locale.ROOT);
    return upper + " " + (route != null && !route.isEmpty() ? route : path);
  }

  private static boolean isUpperCase(String method) {
    for (int i = 0, n = method.length(); i < n; i++) {
      char c = method.charAt(i);
      if (c >= 'a' && c <= 'z' || c > 0x7f) {
        return false;
      }
    }
    return true;
  }

  /**
   * Sets {@code server.address} and {@code server.port} from an absolute URL without building a {@code URI} (which
   * costs more than the rest of a client span): the host without userinfo or IPv6 brackets, the explicit port else
   * the scheme's default. Sets nothing it cannot read.
   */
  public static void setServer(Span span, String url) {
    server(url, new AttributeSource.Sink() {
      @Override
      public void put(String key, @Nullable String value) {
        if (value != null) {
          span.setAttribute(key, value);
        }
      }

      @Override
      public void put(String key, long value) {
        span.setAttribute(key, value);
      }
    });
  }

  /** As {@link #setServer}, into an attribute sink. */
  static void server(String url, AttributeSource.Sink sink) {
    int schemeEnd = url.indexOf("://");
    if (schemeEnd <= 0) {
      return;
    }
    int start = schemeEnd + 3;
    int end = firstOf(url, start, '/', '?', '#');
    int at = url.lastIndexOf('@', end - 1);
    if (at >= start) {
      start = at + 1;
    }
    int hostEnd = end;
    int portValue = -1;
    if (start < end && url.charAt(start) == '[') {
      int close = url.indexOf(']', start);
      if (close < 0 || close >= end) {
        return;
      }
      hostEnd = close + 1;
    } else {
      int colon = url.lastIndexOf(':', end - 1);
      if (colon >= start) {
        hostEnd = colon;
      }
    }
    if (hostEnd < end && url.charAt(hostEnd) == ':') {
      portValue = parsePort(url, hostEnd + 1, end);
    }
    if (start >= hostEnd) {
      return;
    }
    String host = url.charAt(start) == '[' ? host(url, start + 1, hostEnd - 1) : host(url, start, hostEnd);
    if (host.isEmpty()) {
      return;
    }
    sink.put(SemanticAttributes.SERVER_ADDRESS, host);
    int port = portValue > 0 ? portValue : defaultPort(url, schemeEnd);
    if (port > 0) {
      sink.put(SemanticAttributes.SERVER_PORT, port);
    }
  }

  /**
   * The absolute URL of a request a server received: {@code scheme://host[:port]target}, the port left out when it
   * is the scheme's default or unknown, an IPv6 host in brackets.
   */
  public static String url(String scheme, String host, int port, String target) {
    boolean v6 = host.indexOf(':') >= 0 && !host.startsWith("[");
    String authority = v6 ? "[" + host + "]" : host;
    return port > 0 && port != port(scheme, -1)
        ? scheme + "://" + authority + ":" + port + target
        : scheme + "://" + authority + target;
  }

  // The host of the previous call: a client mostly calls the same few hosts, so this saves a string per span.
  private static volatile String recentHost = "";

  private static String host(String url, int from, int to) {
    String recent = recentHost;
    int length = to - from;
    if (recent.length() == length && url.regionMatches(from, recent, 0, length)) {
      return recent;
    }
    String host = url.substring(from, to);
    recentHost = host;
    return host;
  }

  /** The default port of the scheme {@code s[0, schemeEnd)} (case-insensitive), without cutting it out; else -1. */
  private static int defaultPort(String s, int schemeEnd) {
    if (s.startsWith("http")) { // the usual case, exactly as written
      if (schemeEnd == 4) {
        return 80;
      }
      if (schemeEnd == 5 && s.charAt(4) == 's') {
        return 443;
      }
    }
    if (schemeEnd == 5 && s.regionMatches(true, 0, "https", 0, 5)
        || schemeEnd == 3 && s.regionMatches(true, 0, "wss", 0, 3)) {
      return 443;
    }
    if (schemeEnd == 4 && s.regionMatches(true, 0, "http", 0, 4)
        || schemeEnd == 2 && s.regionMatches(true, 0, "ws", 0, 2)) {
      return 80;
    }
    return -1;
  }

  private static int parsePort(String s, int from, int to) {
    if (from >= to || to - from > 5) {
      return -1;
    }
    int value = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value > 0 && value <= 65535 ? value : -1;
  }

  /** The port a URL means: explicit, else the scheme's default; -1 when unknown. */
  public static int port(@Nullable String scheme, int explicit) {
    if (explicit > 0) {
      return explicit;
    }
    return scheme == null ? -1 : defaultPort(scheme, scheme.length());
  }

  /** A client response: the status recorded; 4xx and 5xx fail the call ({@code error.type} = the status). */
  public static void clientStatus(Span span, int status) {
    span.setAttribute(SemanticAttributes.HTTP_RESPONSE_STATUS_CODE, (long) status);
    if (status >= 400) {
      span.setStatus(StatusCode.ERROR, "HTTP " + status);
      span.setAttribute(SemanticAttributes.ERROR_TYPE, Integer.toString(status));
    }
  }

  /** A server response: 5xx fails the request, 4xx only when {@code clientErrorsFail}. */
  public static void serverStatus(Span span, int status, boolean clientErrorsFail) {
    span.setAttribute(SemanticAttributes.HTTP_RESPONSE_STATUS_CODE, (long) status);
    if (status >= 500 || (clientErrorsFail && status >= 400)) {
      span.setStatus(StatusCode.ERROR, "HTTP " + status);
      span.setAttribute(SemanticAttributes.ERROR_TYPE, Integer.toString(status));
    }
  }

  /** A failed exchange: exception recorded, status ERROR, {@code error.type} = the exception's class. */
  public static void failure(Span span, Throwable error) {
    span.recordException(error);
    span.setStatus(StatusCode.ERROR, error.getMessage());
    span.setAttribute(SemanticAttributes.ERROR_TYPE, error.getClass().getName());
  }

  /**
   * Writes {@code traceparent} and {@code tracestate} for {@code context}, and with {@code requestId} the legacy
   * {@code Request-Id} ({@code |traceId.spanId.}) older Application Insights SDKs read. What {@code headers} throws
   * reaches the caller (the handlers count it and send the request on).
   */
  public static void inject(SpanContext context, BiConsumer<String, String> headers, boolean requestId) {
    if (!context.isValid()) {
      return;
    }
    W3CTraceContext.inject(context, headers);
    if (requestId) {
      headers.accept(REQUEST_ID, "|" + context.traceId() + "." + context.spanId() + ".");
    }
  }
}
