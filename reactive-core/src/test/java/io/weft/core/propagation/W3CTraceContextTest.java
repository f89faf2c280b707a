package io.weft.core.propagation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.core.SpanContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class W3CTraceContextTest {
  static final String TRACE_ID = "12345678901234567890123456789012";
  static final String PARENT_ID = "1234567890123456";
  static final String VALID = "00-" + TRACE_ID + "-" + PARENT_ID + "-01";

  static SpanContext extract(String... nameValuePairs) {
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (int i = 0; i < nameValuePairs.length; i += 2) {
      headers.add(Map.entry(nameValuePairs[i], nameValuePairs[i + 1]));
    }
    return W3CTraceContext.extract(headers);
  }

  @Test
  void validTraceparentIsKept() {
    SpanContext context = extract("traceparent", VALID);
    assertThat(context.isValid()).isTrue();
    assertThat(context.isRemote()).isTrue();
    assertThat(context.traceId()).isEqualTo(TRACE_ID);
    assertThat(context.spanId()).isEqualTo(PARENT_ID);
    assertThat(context.isSampled()).isTrue();
    assertThat(context.traceState()).isNull();
  }

  @Test
  void missingTraceparentStartsNewTrace() {
    assertThat(extract()).isSameAs(SpanContext.INVALID);
    assertThat(extract("tracestate", "foo=1")).isSameAs(SpanContext.INVALID);
  }

  @ParameterizedTest
  @ValueSource(strings = {"traceparent", "TraceParent", "TrAcEpArEnT", "TRACEPARENT"})
  void headerNameIsCaseInsensitive(String name) {
    assertThat(extract(name, VALID).traceId()).isEqualTo(TRACE_ID);
  }

  @ParameterizedTest
  @ValueSource(strings = {"trace-parent", "trace.parent"})
  void otherHeaderNamesAreIgnored(String name) {
    assertThat(extract(name, VALID).isValid()).isFalse();
  }

  @Test
  void twoTraceparentHeadersAreInvalid() {
    assertThat(extract("traceparent", "00-12345678901234567890123456789011-1234567890123456-01",
        "traceparent", VALID).isValid()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {" " + VALID, VALID + " ", "\t" + VALID, VALID + "\t", "\t " + VALID + "  \t"})
  void optionalWhitespaceIsTrimmed(String value) {
    assertThat(extract("traceparent", value).traceId()).isEqualTo(TRACE_ID);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      // version 00: exactly 55 characters, nothing after the flags
      "00-12345678901234567890123456789012-1234567890123456-01.",
      "00-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
      // version ff is forbidden
      "ff-12345678901234567890123456789012-1234567890123456-01",
      // version: illegal characters, uppercase, too long, too short
      ".0-12345678901234567890123456789012-1234567890123456-01",
      "0.-12345678901234567890123456789012-1234567890123456-01",
      "0A-12345678901234567890123456789012-1234567890123456-01",
      "000-12345678901234567890123456789012-1234567890123456-01",
      "0000-12345678901234567890123456789012-1234567890123456-01",
      "0-12345678901234567890123456789012-1234567890123456-01",
      // trace id: all zero, illegal characters, uppercase, too long, too short
      "00-00000000000000000000000000000000-1234567890123456-01",
      "00-.2345678901234567890123456789012-1234567890123456-01",
      "00-1234567890123456789012345678901.-1234567890123456-01",
      "00-1234567890123456789012345678901A-1234567890123456-01",
      "00-ABCDEF78901234567890123456789012-1234567890123456-01",
      "00-123456789012345678901234567890123-1234567890123456-01",
      "00-1234567890123456789012345678901-1234567890123456-01",
      // parent id: all zero, illegal characters, uppercase, too long, too short
      "00-12345678901234567890123456789012-0000000000000000-01",
      "00-12345678901234567890123456789012-.234567890123456-01",
      "00-12345678901234567890123456789012-123456789012345.-01",
      "00-12345678901234567890123456789012-123456789012345A-01",
      "00-12345678901234567890123456789012-12345678901234567-01",
      "00-12345678901234567890123456789012-123456789012345-01",
      // flags: illegal characters, uppercase, too long, too short
      "00-12345678901234567890123456789012-1234567890123456-.0",
      "00-12345678901234567890123456789012-1234567890123456-0.",
      "00-12345678901234567890123456789012-1234567890123456-0A",
      "00-12345678901234567890123456789012-1234567890123456-001",
      "00-12345678901234567890123456789012-1234567890123456-1",
      // wrong delimiters, empty, garbage
      "00_12345678901234567890123456789012-1234567890123456-01",
      "00-12345678901234567890123456789012_1234567890123456-01",
      "00-12345678901234567890123456789012-1234567890123456_01",
      "",
      "   ",
      "not a traceparent at all, but long enough to reach fifty-five characters",
      // a future version that does not continue with '-' after the flags
      "cc-12345678901234567890123456789012-1234567890123456-01.what-the-future-will-be-like",
  })
  void invalidTraceparentStartsNewTraceAndNeverThrows(String value) {
    SpanContext context = extract("traceparent", value, "tracestate", "foo=1");
    assertThat(context).isSameAs(SpanContext.INVALID);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "cc-12345678901234567890123456789012-1234567890123456-01",
      "cc-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
      "01-12345678901234567890123456789012-1234567890123456-01-",
  })
  void futureVersionsReadTheFirstFourFields(String value) {
    SpanContext context = extract("traceparent", value);
    assertThat(context.traceId()).isEqualTo(TRACE_ID);
    assertThat(context.spanId()).isEqualTo(PARENT_ID);
    assertThat(context.isSampled()).isTrue();
    // re-emitted as version 00
    assertThat(W3CTraceContext.formatTraceParent(context)).isEqualTo(VALID);
  }

  @Test
  void sampledBitIsInheritedAndUnknownFlagsAreZeroed() {
    assertThat(extract("traceparent", VALID.replace("-01", "-00")).isSampled()).isFalse();
    SpanContext weird = extract("traceparent", "00-" + TRACE_ID + "-" + PARENT_ID + "-ff");
    assertThat(weird.isSampled()).isTrue();
    assertThat(W3CTraceContext.formatTraceParent(weird)).endsWith("-01");
    SpanContext unsampledWithOtherBits = extract("traceparent", "00-" + TRACE_ID + "-" + PARENT_ID + "-fe");
    assertThat(W3CTraceContext.formatTraceParent(unsampledWithOtherBits)).endsWith("-00");
  }

  @Test
  void tracestateIsKeptInOrderAcrossHeaders() {
    SpanContext context = extract("traceparent", VALID, "tracestate", "foo=1,bar=2", "TraceState", "rojo=1,congo=2",
        "TRACESTATE", "baz=3");
    assertThat(context.traceState()).isEqualTo("foo=1,bar=2,rojo=1,congo=2,baz=3");
  }

  @Test
  void tracestateWithoutValidTraceparentIsDiscarded() {
    assertThat(extract("traceparent", "garbage", "tracestate", "foo=1").traceState()).isNull();
  }

  @Test
  void emptyTracestateHeadersAndMembersAreSkipped() {
    assertThat(extract("traceparent", VALID, "tracestate", "").traceState()).isNull();
    assertThat(extract("traceparent", VALID, "tracestate", "foo=1", "tracestate", "").traceState())
        .isEqualTo("foo=1");
    assertThat(extract("traceparent", VALID, "tracestate", "", "tracestate", "foo=1").traceState())
        .isEqualTo("foo=1");
    assertThat(extract("traceparent", VALID, "tracestate", "foo=1,,,bar=2,").traceState()).isEqualTo("foo=1,bar=2");
  }

  @ParameterizedTest
  @ValueSource(strings = {"foo=1 \t , \t bar=2, \t baz=3", "foo=1\t \t,\t \tbar=2,\t \tbaz=3"})
  void tracestateMembersAreTrimmed(String value) {
    assertThat(extract("traceparent", VALID, "tracestate", value).traceState()).isEqualTo("foo=1,bar=2,baz=3");
  }

  @ParameterizedTest
  @ValueSource(strings = {" foo=1", "\tfoo=1", "foo=1 ", "foo=1\t", "\t foo=1 \t"})
  void singleMemberWhitespace(String value) {
    assertThat(extract("traceparent", VALID, "tracestate", value).traceState()).isEqualTo("foo=1");
  }

  @Test
  void thirtyTwoMembersAreKeptThirtyThreeDropTheWholeTracestate() {
    String thirtyTwo = IntStream.rangeClosed(1, 32).mapToObj(i -> String.format("bar%02d=%02d", i, i))
        .collect(Collectors.joining(","));
    assertThat(extract("traceparent", VALID, "tracestate", thirtyTwo).traceState()).isEqualTo(thirtyTwo);
    String thirtyThree = thirtyTwo + ",bar33=33";
    SpanContext context = extract("traceparent", VALID, "tracestate", thirtyThree);
    assertThat(context.traceState()).isNull();
    assertThat(context.traceId()).isEqualTo(TRACE_ID);
  }

  @Test
  void thirtyThreeMembersSpreadOverHeadersAreDropped() {
    List<String> pairs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      pairs.add("tracestate");
      pairs.add(IntStream.rangeClosed(i * 8 + 1, i * 8 + 8).mapToObj(n -> "k" + n + "=v")
          .collect(Collectors.joining(",")));
    }
    List<String> with32 = new ArrayList<>(List.of("traceparent", VALID));
    with32.addAll(pairs);
    assertThat(extract(with32.toArray(new String[0])).traceState()).isNotNull();
    with32.add("tracestate");
    with32.add("k33=v");
    assertThat(extract(with32.toArray(new String[0])).traceState()).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "foo=1,bar baz=2", // space in key
      "foo=1,BAR=2", // uppercase key
      "foo=1,foo.bar=2", // illegal key character
      "foo=1,=2", // empty key
      "foo=1,bar", // no '='
      "foo=1,bar=", // empty value
      "foo=bar=baz", // '=' in value
      "foo=1,bar=caf\u00e9", // non-ASCII value
      "foo=1,bar=\u0001", // control character
      "foo=1,_bar=2", // key starting with '_'
      "foo=1,@bar=2", // key starting with '@'
  })
  void oneBadMemberDropsTheWholeTracestate(String value) {
    SpanContext context = extract("traceparent", VALID, "tracestate", value);
    assertThat(context.traceState()).isNull();
    assertThat(context.traceId()).isEqualTo(TRACE_ID);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "foo=1,foo=1 | foo=1",
      "foo=1,foo=2 | foo=1",
      "bar=0,foo=1,baz=2,foo=3 | bar=0,foo=1,baz=2",
  })
  void gh16_aRepeatedKeyDiscardedTheWholeTracestateNowTheFirstMemberWins(String value, String kept) {
    SpanContext context = extract("traceparent", VALID, "tracestate", value);
    assertThat(context.traceState()).isEqualTo(kept);
    assertThat(context.traceId()).isEqualTo(TRACE_ID);
  }

  @Test
  void gh16_aKeyRepeatedAcrossHeadersKeepsItsFirstMember() {
    assertThat(extract("traceparent", VALID, "tracestate", "foo=1", "tracestate", "foo=1").traceState())
        .isEqualTo("foo=1");
    assertThat(extract("traceparent", VALID, "tracestate", "foo=1", "tracestate", "foo=2,bar=3").traceState())
        .isEqualTo("foo=1,bar=3");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tenant@system=1", "foo@=1", "a-b_c*d/e@f=1", "0abc=1", "t@v=x"})
  void draftKeyFormsAreValid(String member) {
    assertThat(extract("traceparent", VALID, "tracestate", "foo=1," + member).traceState())
        .isEqualTo("foo=1," + member);
  }

  @Test
  void keyAndValueLengthLimits() {
    String key256 = "z".repeat(256);
    assertThat(extract("traceparent", VALID, "tracestate", key256 + "=1").traceState()).isEqualTo(key256 + "=1");
    assertThat(extract("traceparent", VALID, "tracestate", "z".repeat(257) + "=1").traceState()).isNull();
    String value256 = "v".repeat(256);
    assertThat(extract("traceparent", VALID, "tracestate", "k=" + value256).traceState()).isEqualTo("k=" + value256);
    assertThat(extract("traceparent", VALID, "tracestate", "k=" + "v".repeat(257)).traceState()).isNull();
  }

  @Test
  void allAllowedValueCharactersAreKeptVerbatim() {
    StringBuilder value = new StringBuilder();
    for (char c = 0x20; c <= 0x7e; c++) {
      if (c != ',' && c != '=') {
        value.append(c);
      }
    }
    String member = "abcdefghijklmnopqrstuvwxyz0123456789_-*/=" + value;
    assertThat(extract("traceparent", VALID, "tracestate", member).traceState()).isEqualTo(member);
  }

  @Test
  void valueMayStartButNotEndWithSpaceInsideTheMember() {
    assertThat(W3CTraceContext.parseTraceState(List.of("k= v"))).isEqualTo("k= v");
  }

  @Test
  void injectWritesTraceparentAndTracestate() {
    SpanContext context = W3CTraceContext.parse(VALID, List.of("foo=1,bar=2"));
    Map<String, String> headers = new java.util.LinkedHashMap<>();
    W3CTraceContext.inject(context, headers, Map::put);
    assertThat(headers).containsExactly(Map.entry("traceparent", VALID), Map.entry("tracestate", "foo=1,bar=2"));
  }

  @Test
  void injectOfInvalidContextWritesNothing() {
    Map<String, String> headers = new java.util.HashMap<>();
    W3CTraceContext.inject(SpanContext.INVALID, headers, Map::put);
    assertThat(headers).isEmpty();
  }

  @Test
  void aCarrierThatRejectsHeadersIsTheCallersToHandle() {
    SpanContext context = W3CTraceContext.parse(VALID, Collections.emptyList());
    assertThatThrownBy(() -> W3CTraceContext.inject(context, new Object(), (carrier, name, value) -> {
      throw new IllegalStateException("headers already sent");
    })).isInstanceOf(IllegalStateException.class).hasMessage("headers already sent");
  }

  @Test
  void extractSurvivesAGetterThatThrows() {
    assertThat(W3CTraceContext.extract(new Object(), (carrier, name) -> {
      throw new IllegalStateException("boom");
    })).isSameAs(SpanContext.INVALID);
  }

  @Test
  void roundTrip() {
    SpanContext context = SpanContext.createRemote(0x0af7651916cd43ddL, 0x8448eb211c80319cL, 0xb7ad6b7169203331L,
        true, "congo=t61rcWkgMzE");
    String header = W3CTraceContext.formatTraceParent(context);
    assertThat(header).isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    assertThat(W3CTraceContext.parse(header, List.of("congo=t61rcWkgMzE"))).isEqualTo(context);
  }
}
