package io.weft.http.netty;

import io.netty.util.AsciiString;
import io.weft.core.instrumentation.HttpSpans;
import io.weft.core.propagation.W3CTraceContext;

/**
 * The names of the headers Weft reads and writes, as Netty's cached {@link AsciiString}s: Netty's header map hashes
 * and checks a {@code String} name on every call, a cached one only once.
 */
final class HeaderNames {
  static final AsciiString TRACEPARENT = AsciiString.cached(W3CTraceContext.TRACEPARENT);
  static final AsciiString TRACESTATE = AsciiString.cached(W3CTraceContext.TRACESTATE);
  static final AsciiString REQUEST_ID = AsciiString.cached(HttpSpans.REQUEST_ID);

  private HeaderNames() {}

  /** {@code name} as a cached name when it is one of Weft's, else as given. */
  static CharSequence of(String name) {
    return switch (name) {
      case W3CTraceContext.TRACEPARENT -> TRACEPARENT;
      case W3CTraceContext.TRACESTATE -> TRACESTATE;
      case HttpSpans.REQUEST_ID -> REQUEST_ID;
      default -> name;
    };
  }
}
