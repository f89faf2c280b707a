package io.weft.http;

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

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "get | - | /orders/42 | GET /orders/42",
      "POST | /orders/{id} | /orders/42 | POST /orders/{id}",
      "GET | '' | /x | GET /x",
  })
  void spanName(String method, String route, String path, String expected) {
    assertThat(HttpSpans.spanName(method, route, path)).isEqualTo(expected);
  }
}
