package io.weft.micrometer;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.weft.core.Span;
import io.weft.core.SpanKind;
import io.weft.core.instrumentation.HttpSpans;
import io.weft.core.instrumentation.SemanticAttributes;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An observation's key-values as span attributes. Keys Weft's exporter understands are kept as they are; the keys
 * Micrometer's and Spring's HTTP conventions use are also written under the semantic-convention names the exporter
 * maps to Application Insights fields ({@code method} → {@code http.request.method}, {@code status} → {@code
 * http.response.status_code}, {@code http.url} → {@code url.full}, {@code uri} → {@code http.route}, {@code
 * client.name} → {@code server.address}), so an observed HTTP call becomes an HTTP dependency or request.
 */
final class ObservationAttributes {
  /** Micrometer's HTTP keys and the semantic-convention keys they stand for. */
  private static final Map<String, String> HTTP_KEYS = Map.of(
      "method", SemanticAttributes.HTTP_REQUEST_METHOD,
      SemanticAttributes.HTTP_METHOD, SemanticAttributes.HTTP_REQUEST_METHOD,
      SemanticAttributes.HTTP_URL, SemanticAttributes.URL_FULL,
      "uri", SemanticAttributes.HTTP_ROUTE,
      "client.name", SemanticAttributes.SERVER_ADDRESS);
  /** Keys that carry an HTTP status code. */
  private static final String[] STATUS_KEYS = {"status", SemanticAttributes.HTTP_STATUS_CODE,
      SemanticAttributes.HTTP_RESPONSE_STATUS_CODE};
  /** Values Spring writes when it has none: not worth an attribute. */
  private static final String NONE = "none";

  private ObservationAttributes() {}

  /** Writes {@code values} on {@code span}, then the HTTP status's outcome when there is one. */
  static void apply(Span span, SpanKind kind, KeyValues values) {
    int status = -1;
    for (KeyValue value : values) {
      String key = value.getKey();
      String text = value.getValue();
      if (text.isEmpty() || text.equals(KeyValue.NONE_VALUE) || text.equals(NONE)) {
        continue;
      }
      span.setAttribute(key, text);
      String semantic = HTTP_KEYS.get(key);
      if (semantic != null && !semantic.equals(key) && !routeUnknown(semantic, text)) {
        span.setAttribute(semantic, text);
      }
      if (status < 0 && isStatusKey(key)) {
        status = parseStatus(text);
      }
    }
    if (status > 0) {
      if (kind == SpanKind.SERVER) {
        HttpSpans.serverStatus(span, status, false);
      } else {
        HttpSpans.clientStatus(span, status);
      }
    }
  }

  /** The span name of an HTTP observation: {@code METHOD route} when both are known, else null. */
  static @Nullable String httpName(KeyValues values) {
    String method = null;
    String route = null;
    for (KeyValue value : values) {
      if (value.getKey().equals("method") || value.getKey().equals(SemanticAttributes.HTTP_REQUEST_METHOD)) {
        method = value.getValue();
      } else if (value.getKey().equals("uri") || value.getKey().equals(SemanticAttributes.HTTP_ROUTE)) {
        route = value.getValue();
      }
    }
    if (method == null || route == null || routeUnknown(SemanticAttributes.HTTP_ROUTE, route)) {
      return null;
    }
    return HttpSpans.spanName(method, route, "");
  }

  /** Spring's placeholders when no template is known ({@code UNKNOWN}, {@code NOT_FOUND}, {@code REDIRECTION}…). */
  private static boolean routeUnknown(String key, String value) {
    return key.equals(SemanticAttributes.HTTP_ROUTE) && !value.startsWith("/");
  }

  private static boolean isStatusKey(String key) {
    for (String candidate : STATUS_KEYS) {
      if (candidate.equals(key)) {
        return true;
      }
    }
    return false;
  }

  private static int parseStatus(String text) {
    if (text.length() != 3) {
      return -1;
    }
    int status = 0;
    for (int i = 0; i < 3; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      status = status * 10 + (c - '0');
    }
    return status >= 100 ? status : -1;
  }
}
