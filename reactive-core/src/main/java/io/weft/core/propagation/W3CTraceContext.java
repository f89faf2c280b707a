package io.weft.core.propagation;

import io.weft.core.SpanContext;
import io.weft.core.internal.Hex;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * W3C Trace Context (<a href="https://www.w3.org/TR/trace-context/">trace-context</a>) extraction and injection,
 * checked the way the W3C conformance suite checks it.
 *
 * <p>Extraction never throws: an invalid or missing {@code traceparent} yields {@link SpanContext#INVALID} (the
 * caller starts a new trace) and discards {@code tracestate}; an invalid {@code tracestate} is dropped whole while
 * the {@code traceparent} is kept. Thread-safe and allocation-light.
 */
public final class W3CTraceContext {
  /** Header name of the trace parent. */
  public static final String TRACEPARENT = "traceparent";
  /** Header name of the trace state. */
  public static final String TRACESTATE = "tracestate";
  /** The response header that names the server's span back to the caller (W3C Trace Context Level 2). */
  public static final String TRACERESPONSE = "traceresponse";

  // traceparent layout: vv-<32 hex trace id>-<16 hex parent id>-ff
  private static final int VERSION_LENGTH = 2;
  private static final int TRACE_ID_OFFSET = 3;
  private static final int TRACE_ID_LENGTH = 32;
  private static final int PARENT_ID_OFFSET = TRACE_ID_OFFSET + TRACE_ID_LENGTH + 1; // 36
  private static final int PARENT_ID_LENGTH = 16;
  private static final int FLAGS_OFFSET = PARENT_ID_OFFSET + PARENT_ID_LENGTH + 1; // 53
  private static final int FLAGS_LENGTH = 2;
  private static final int TRACEPARENT_LENGTH = FLAGS_OFFSET + FLAGS_LENGTH; // 55
  private static final int SAMPLED_FLAG = 0x01;

  private static final int MAX_MEMBERS = 32;
  private static final int MAX_KEY_LENGTH = 256;
  private static final int MAX_VALUE_LENGTH = 256;

  /** Reads header values from a carrier. */
  @FunctionalInterface
  public interface Getter<C> {
    /**
     * Every value of header {@code name} (compared case-insensitively), in arrival order; empty when absent. Each
     * header line is one value: do not split or join them.
     */
    Iterable<String> getAll(C carrier, String name);
  }

  /** Writes a header into a carrier. */
  @FunctionalInterface
  public interface Setter<C> {
    /** Sets (replacing) header {@code name} to {@code value}. */
    void set(C carrier, String name, String value);
  }

  private W3CTraceContext() {}

  /** Extracts the remote parent from a carrier; {@link SpanContext#INVALID} when there is no valid one. */
  public static <C> SpanContext extract(C carrier, Getter<C> getter) {
    try {
      String traceparent = null;
      int count = 0;
      for (String value : getter.getAll(carrier, TRACEPARENT)) {
        traceparent = value;
        count++;
      }
      if (count != 1 || traceparent == null) {
        return SpanContext.INVALID;
      }
      return parse(traceparent, getter.getAll(carrier, TRACESTATE));
    } catch (RuntimeException e) {
      return SpanContext.INVALID;
    }
  }

  /** Extracts from header name/value pairs (names compared case-insensitively, repeated names allowed). */
  public static SpanContext extract(Iterable<? extends Map.Entry<String, String>> headers) {
    return extract(headers, (carrier, name) -> {
      List<String> values = new ArrayList<>(1);
      for (Map.Entry<String, String> header : carrier) {
        if (header.getKey() != null && header.getKey().equalsIgnoreCase(name) && header.getValue() != null) {
          values.add(header.getValue());
        }
      }
      return values;
    });
  }

  /**
   * Parses one {@code traceparent} value and the {@code tracestate} header values that came with it; {@link
   * SpanContext#INVALID} when the traceparent is invalid.
   */
  public static SpanContext parse(@Nullable String traceparent, Iterable<String> tracestates) {
    if (traceparent == null) {
      return SpanContext.INVALID;
    }
    String tp = trimOws(traceparent);
    if (tp.length() < TRACEPARENT_LENGTH) {
      return SpanContext.INVALID;
    }
    if (!Hex.isLowerHex(tp, 0, VERSION_LENGTH)) {
      return SpanContext.INVALID;
    }
    boolean version00 = tp.charAt(0) == '0' && tp.charAt(1) == '0';
    boolean versionFf = tp.charAt(0) == 'f' && tp.charAt(1) == 'f';
    if (versionFf) {
      return SpanContext.INVALID;
    }
    if (version00 && tp.length() != TRACEPARENT_LENGTH) {
      return SpanContext.INVALID;
    }
    if (tp.length() > TRACEPARENT_LENGTH && tp.charAt(TRACEPARENT_LENGTH) != '-') {
      return SpanContext.INVALID;
    }
    if (tp.charAt(TRACE_ID_OFFSET - 1) != '-') {
      return SpanContext.INVALID;
    }
    if (tp.charAt(PARENT_ID_OFFSET - 1) != '-') {
      return SpanContext.INVALID;
    }
    if (tp.charAt(FLAGS_OFFSET - 1) != '-') {
      return SpanContext.INVALID;
    }
    if (!Hex.isLowerHex(tp, TRACE_ID_OFFSET, TRACE_ID_LENGTH)) {
      return SpanContext.INVALID;
    }
    if (!Hex.isLowerHex(tp, PARENT_ID_OFFSET, PARENT_ID_LENGTH)) {
      return SpanContext.INVALID;
    }
    if (!Hex.isLowerHex(tp, FLAGS_OFFSET, FLAGS_LENGTH)) {
      return SpanContext.INVALID;
    }
    long high = Hex.decode16(tp, TRACE_ID_OFFSET);
    long low = Hex.decode16(tp, TRACE_ID_OFFSET + 16);
    long parentId = Hex.decode16(tp, PARENT_ID_OFFSET);
    int flags = Hex.value(tp.charAt(FLAGS_OFFSET)) << 4 | Hex.value(tp.charAt(FLAGS_OFFSET + 1));
    if ((high == 0 && low == 0) || parentId == 0) {
      return SpanContext.INVALID;
    }
    // Only the sampled bit is inherited; unknown flag bits are zeroed.
    return SpanContext.createRemote(high, low, parentId, (flags & SAMPLED_FLAG) != 0, parseTraceState(tracestates));
  }

  /**
   * Joins {@code tracestate} header values with {@code ,} in arrival order and validates every member; returns the
   * members re-joined (trimmed, empty ones skipped, and a repeated key's later members left out: the first one
   * wins), or null when there are none or any member is invalid, or there are more than 32 members.
   */
  public static @Nullable String parseTraceState(Iterable<String> headerValues) {
    StringBuilder joined = null;
    Set<String> keys = null;
    int members = 0;
    for (String header : headerValues) {
      if (header == null) {
        continue;
      }
      int start = 0;
      int length = header.length();
      while (start <= length) {
        int comma = header.indexOf(',', start);
        int end = comma < 0 ? length : comma;
        String member = trimOws(header.substring(start, end));
        start = end + 1;
        if (member.isEmpty()) {
          continue;
        }
        int eq = member.indexOf('=');
        if (eq <= 0 || !validKey(member, eq) || !validValue(member, eq + 1)) {
          return null;
        }
        if (++members > MAX_MEMBERS) {
          return null;
        }
        if (keys == null) {
          keys = new HashSet<>();
        }
        if (!keys.add(member.substring(0, eq))) {
          continue; // a repeated key: its sender broke the rule, not the whole list; the first member wins
        }
        if (joined == null) {
          joined = new StringBuilder(header.length());
        } else {
          joined.append(',');
        }
        joined.append(member);
      }
    }
    return joined == null ? null : joined.toString();
  }

  // key = [a-z0-9][a-z0-9_\-*/@]{0,255} (the current draft's grammar, which also covers tenant@system)
  private static boolean validKey(String member, int end) {
    if (end > MAX_KEY_LENGTH) {
      return false;
    }
    char first = member.charAt(0);
    if (!(first >= 'a' && first <= 'z') && !(first >= '0' && first <= '9')) {
      return false;
    }
    for (int i = 1; i < end; i++) {
      char c = member.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*'
          || c == '/' || c == '@';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  // value = 1-256 chars of 0x20-0x7E except ',' and '=', not ending in a space
  private static boolean validValue(String member, int from) {
    int length = member.length() - from;
    if (length < 1 || length > MAX_VALUE_LENGTH) {
      return false;
    }
    for (int i = from; i < member.length(); i++) {
      char c = member.charAt(i);
      if (c < 0x20 || c > 0x7e || c == ',' || c == '=') {
        return false;
      }
    }
    return member.charAt(member.length() - 1) != ' ';
  }

  private static String trimOws(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isOws(s.charAt(start))) {
      start++;
    }
    while (end > start && isOws(s.charAt(end - 1))) {
      end--;
    }
    return start == 0 && end == s.length() ? s : s.substring(start, end);
  }

  private static boolean isOws(char c) {
    return c == ' ' || c == '\t';
  }

  /** The {@code traceparent} value for {@code context}: version 00, flags 01 or 00. */
  public static String formatTraceParent(SpanContext context) {
    byte[] bytes = SCRATCH.get();
    bytes[0] = '0';
    bytes[1] = '0';
    bytes[2] = '-';
    Hex.write(context.traceIdHigh(), bytes, TRACE_ID_OFFSET);
    Hex.write(context.traceIdLow(), bytes, TRACE_ID_OFFSET + 16);
    bytes[PARENT_ID_OFFSET - 1] = '-';
    Hex.write(context.spanIdLong(), bytes, PARENT_ID_OFFSET);
    bytes[FLAGS_OFFSET - 1] = '-';
    bytes[FLAGS_OFFSET] = '0';
    bytes[FLAGS_OFFSET + 1] = (byte) (context.isSampled() ? '1' : '0');
    // ASCII into a per-thread buffer, then one copy into the string: no char[] and no compression pass (a header
    // is written on every outgoing request).
    return new String(bytes, 0, TRACEPARENT_LENGTH, StandardCharsets.ISO_8859_1);
  }

  private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[TRACEPARENT_LENGTH]);

  /**
   * Writes {@code traceparent} (and {@code tracestate} when present) for {@code context} into {@code carrier};
   * writes nothing for an invalid context. What the setter throws (a carrier that rejects headers) reaches the
   * caller, which decides what the call being traced does without them, and counts it: it is not hidden here.
   */
  public static <C> void inject(SpanContext context, C carrier, Setter<C> setter) {
    if (!context.isValid()) {
      return;
    }
    setter.set(carrier, TRACEPARENT, formatTraceParent(context));
    String traceState = context.traceState();
    if (traceState != null) {
      setter.set(carrier, TRACESTATE, traceState);
    }
  }

  /** As {@link #inject(SpanContext, Object, Setter)} into a header sink such as Vert.x's. */
  public static void inject(SpanContext context, BiConsumer<String, String> headers) {
    inject(context, headers, BiConsumer::accept);
  }
}
