package io.weft.core.instrumentation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The recorded URL, path and span name rules shared by every HTTP integration. */
class HttpSpansTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "https://user:secret@api.example.com/a?b=1 | true | https://api.example.com/a?b=REDACTED",
      "https://user@api.example.com:8443/a | true | https://api.example.com:8443/a",
      "http://h/p?token=abc&flag&x= | true | http://h/p?token=REDACTED&flag&x=REDACTED",
      "http://h/p?token=abc#frag | false | http://h/p?token=abc",
      "http://h/p?token=abc | false | http://h/p?token=abc",
      "http://h/p? | true | http://h/p?",
      "http://h | true | http://h",
      "http://h/a@b | true | http://h/a@b",
      "http://u:p@h?q=1 | true | http://h?q=REDACTED",
  })
  void recordedUrl(String url, boolean redact, String expected) {
    assertThat(HttpSpans.recordedUrl(url, redact)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @CsvSource(delimiter = '|', value = {
      "http://h:80/orders/42?x=1 | /orders/42",
      "http://h | /",
      "/orders?x | /orders",
      "'' | /",
      "/a#b | /a",
  })
  void path(String target, String expected) {
    assertThat(HttpSpans.path(target)).isEqualTo(expected);
  }

  final io.weft.core.export.InMemorySpanExporter spans = io.weft.core.export.InMemorySpanExporter.create();

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "http://127.0.0.1:8080/a | 127.0.0.1 | 8080",
      "https://api.example.com/a?b | api.example.com | 443",
      "http://api.example.com | api.example.com | 80",
      "http://user:pw@h:81/x | h | 81",
      "http://[::1]:9090/x | ::1 | 9090",
      "https://[2001:db8::1]/x | 2001:db8::1 | 443",
      "http://h:99999/x | h | 80",
      "ftp://h/x | h | -",
      "no-scheme/x | - | -",
      "http:///x | - | -",
      "HTTPS://H/x | H | 443",
      "WS://h/x | h | 80",
      "wss://h | h | 443",
      "httpx://h/x | h | -",
      "htt://h/x | h | -",
      "http://h#frag | h | 80",
      "https://h?x=1 | h | 443",
  })
  void serverFromUrl(String url, String host, Long port) {
    io.weft.core.Span span = io.weft.core.Tracer.builder().serviceName("t").exporter(spans).build()
        .spanBuilder("s").start();
    HttpSpans.setServer(span, url);
    span.end();
    io.weft.core.export.SpanData ended = spans.spans().get(0);
    assertThat(ended.attributes().get("server.address")).isEqualTo(host);
    assertThat(ended.attributes().get("server.port")).isEqualTo(port);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "http | -1 | 80", "https | -1 | 443", "HTTP | -1 | 80", "Https | -1 | 443", "ws | -1 | 80", "wss | -1 | 443",
      "httpx | -1 | -1", "htt | -1 | -1", "https | 8443 | 8443", "- | -1 | -1", "- | 81 | 81",
  })
  void portFromSchemeWhenNoneIsExplicit(String scheme, int explicit, int expected) {
    assertThat(HttpSpans.port(scheme, explicit)).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void theRememberedHostIsReusedOnlyForTheSameHost() {
    io.weft.core.Tracer tracer = io.weft.core.Tracer.builder().serviceName("t").exporter(spans).build();
    String[] urls = {"http://aaa/x", "http://aaa:81/y", "http://bbb/x", "http://[aaa]/x", "http://aab/x",
        "http://aaa/x"};
    for (String url : urls) {
      io.weft.core.Span span = tracer.spanBuilder("s").start();
      HttpSpans.setServer(span, url);
      span.end();
    }
    assertThat(spans.spans()).extracting(s -> s.attributes().get("server.address"))
        .containsExactly("aaa", "aaa", "bbb", "aaa", "aab", "aaa");
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "get | - | /orders/42 | GET /orders/42",
      "POST | /orders/{id} | /orders/42 | POST /orders/{id}",
      "GET | '' | /x | GET /x",
      "Patch | - | / | PATCH /",
      "GET | /a | /a | GET /a",
  })
  void spanName(String method, String route, String path, String expected) {
    assertThat(HttpSpans.spanName(method, route, path)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}://{1}:{2}{3}")
  @CsvSource(delimiter = '|', value = {
      "http | 127.0.0.1 | 8080 | /orders/42?x=1 | http://127.0.0.1:8080/orders/42?x=1",
      "http | example.com | 80 | / | http://example.com/",
      "https | example.com | 443 | /a | https://example.com/a",
      "https | example.com | -1 | /a | https://example.com/a",
      "http | 2001:db8::1 | 8080 | /a | http://[2001:db8::1]:8080/a",
      "http | [2001:db8::1] | 80 | /a | http://[2001:db8::1]/a",
  })
  void theAbsoluteUrlOfAReceivedRequest(String scheme, String host, int port, String target, String expected) {
    assertThat(HttpSpans.url(scheme, host, port, target)).isEqualTo(expected);
  }
}
