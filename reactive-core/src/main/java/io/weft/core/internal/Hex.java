package io.weft.core.internal;

/**
 * Lowercase hex encoding and strict decoding of the 64-bit halves of W3C ids, without intermediate strings.
 *
 * <p>Internal: not a public API.
 */
public final class Hex {
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();
  private static final byte[] DIGIT_BYTES = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e',
      'f'};

  private Hex() {}

  /** The lowercase hex digit for the low four bits of {@code nibble}. */
  public static char digit(int nibble) {
    return DIGITS[nibble & 0xf];
  }

  /** Writes {@code value} as 16 lowercase hex characters into {@code dest} at {@code offset}. */
  public static void write(long value, char[] dest, int offset) {
    for (int i = 15; i >= 0; i--) {
      dest[offset + i] = DIGITS[(int) (value & 0xf)];
      value >>>= 4;
    }
  }

  /** Writes {@code value} as 16 lowercase hex ASCII bytes into {@code dest} at {@code offset}. */
  public static void write(long value, byte[] dest, int offset) {
    for (int i = 15; i >= 0; i--) {
      dest[offset + i] = DIGIT_BYTES[(int) (value & 0xf)];
      value >>>= 4;
    }
  }

  /** {@code value} as 16 lowercase hex characters. */
  public static String toHex(long value) {
    char[] chars = new char[16];
    write(value, chars, 0);
    return new String(chars);
  }

  /** {@code high} then {@code low} as 32 lowercase hex characters. */
  public static String toHex(long high, long low) {
    char[] chars = new char[32];
    write(high, chars, 0);
    write(low, chars, 16);
    return new String(chars);
  }

  /**
   * The value of every ASCII character as a lowercase hex digit, -1 for anything else. Decoding through it has no
   * branch that depends on the digits: W3C ids are random, and a branch on "digit or letter" per character is
   * mispredicted half the time (a few hundred nanoseconds per {@code traceparent}).
   */
  private static final byte[] VALUES = new byte[128];

  static {
    java.util.Arrays.fill(VALUES, (byte) -1);
    for (int i = 0; i < 16; i++) {
      VALUES[DIGIT_BYTES[i]] = (byte) i;
    }
  }

  /** Whether {@code s[from, from + length)} holds only lowercase hex digits. */
  public static boolean isLowerHex(CharSequence s, int from, int length) {
    int invalid = 0;
    for (int i = from; i < from + length; i++) {
      invalid |= value(s.charAt(i));
    }
    return invalid >= 0;
  }

  /**
   * Decodes 16 lowercase hex characters starting at {@code from}. The caller has checked them with {@link
   * #isLowerHex}.
   */
  public static long decode16(CharSequence s, int from) {
    long result = 0;
    for (int i = from; i < from + 16; i++) {
      result = (result << 4) | value(s.charAt(i));
    }
    return result;
  }

  /** The value of a lowercase hex digit, or -1 for anything else (uppercase included). */
  public static int value(char c) {
    return c < VALUES.length ? VALUES[c] : -1;
  }
}
