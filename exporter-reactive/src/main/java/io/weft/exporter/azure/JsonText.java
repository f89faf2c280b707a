package io.weft.exporter.azure;

/**
 * How many bytes a string takes as a JSON string value in UTF-8, as jackson-core writes it: quote and backslash
 * escaped (2 bytes), other control characters short escapes or six-character unicode escapes (counted as 6, the most), the rest
 * as UTF-8 (1–3 bytes, a surrogate pair 4). Stateless.
 */
final class JsonText {
  private JsonText() {}

  /** The encoded size of the first {@code maxChars} characters of {@code value}. */
  static int encodedBytes(String value, int maxChars) {
    int end = Math.min(value.length(), maxChars);
    int bytes = 0;
    for (int i = 0; i < end; i++) {
      bytes += bytes(value.charAt(i));
    }
    return bytes;
  }

  /**
   * The length of the longest prefix of {@code value} with at most {@code maxChars} characters and {@code
   * maxBytes} encoded bytes, never ending between the two halves of a surrogate pair.
   */
  static int prefixWithin(String value, int maxChars, int maxBytes) {
    int end = Math.min(value.length(), maxChars);
    int bytes = 0;
    for (int i = 0; i < end; i++) {
      bytes += bytes(value.charAt(i));
      if (bytes > maxBytes) {
        end = i;
        break;
      }
    }
    if (end > 0 && end < value.length() && Character.isHighSurrogate(value.charAt(end - 1))) {
      end--;
    }
    return end;
  }

  private static int bytes(char c) {
    if (c < 0x20) {
      return 6;
    }
    if (c == '"' || c == '\\') {
      return 2;
    }
    if (c < 0x80) {
      return 1;
    }
    if (c < 0x800 || Character.isSurrogate(c)) {
      return 2; // a surrogate pair is 4 bytes, 2 per half
    }
    return 3;
  }
}
