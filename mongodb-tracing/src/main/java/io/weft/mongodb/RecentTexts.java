package io.weft.mongodb;

/**
 * A small, bounded cache that hands back the same {@link String} for a text seen recently, so that text written into
 * a reused buffer becomes a new string only the first time. An application sends the same few command shapes over
 * and over: this keeps one string per shape instead of one per command.
 *
 * <p>Direct-mapped by hash: a slot holds the last text that hashed to it, a collision replaces it. At most {@code
 * slots} texts of at most {@code maxLength} characters are kept (longer ones are never cached), so the memory it can
 * pin is fixed. Threads share it without locks: a slot holds an immutable string, and a lost update only means a
 * later miss.
 */
final class RecentTexts {
  private final String[] slots;
  private final int mask;
  private final int maxLength;

  /** A cache of {@code slots} (a power of two) texts of at most {@code maxLength} characters. */
  RecentTexts(int slots, int maxLength) {
    if (slots <= 0 || Integer.bitCount(slots) != 1) {
      throw new IllegalArgumentException("slots must be a power of two: " + slots);
    }
    this.slots = new String[slots];
    this.mask = slots - 1;
    this.maxLength = maxLength;
  }

  /** {@code text} as a string: the cached one when an equal text was seen recently, else a new one, then cached. */
  String get(StringBuilder text) {
    int length = text.length();
    if (length > maxLength) {
      return text.toString();
    }
    int hash = 0;
    for (int i = 0; i < length; i++) {
      hash = 31 * hash + text.charAt(i);
    }
    int index = (hash ^ hash >>> 16) & mask;
    String cached = slots[index];
    if (cached != null && cached.contentEquals(text)) {
      return cached;
    }
    String value = text.toString();
    slots[index] = value;
    return value;
  }
}
