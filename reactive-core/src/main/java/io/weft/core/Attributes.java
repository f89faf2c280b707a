package io.weft.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * An immutable, ordered list of typed attributes: values are {@code String}, {@code Long}, {@code Double} or {@code
 * Boolean}. Keys are unique; a later write of the same key replaced the earlier value in place.
 */
public final class Attributes {
  static final Object[] NO_ENTRIES = new Object[0];
  // Status codes, well-known ports, counts: boxed once instead of on every span (Long.valueOf caches only -128..127).
  private static final Long[] SMALL_LONGS = new Long[1024];

  static {
    for (int i = 0; i < SMALL_LONGS.length; i++) {
      SMALL_LONGS[i] = (long) i;
    }
  }
  /** No attributes. */
  public static final Attributes EMPTY = new Attributes(NO_ENTRIES, 0);

  // Alternating key, value; shared with the span that produced it, which no longer writes once ended.
  private final Object[] entries;
  private final int size;

  Attributes(Object[] entries, int size) {
    this.entries = entries;
    this.size = size;
  }

  /** {@code value} boxed, shared for 0..1023. */
  static Long box(long value) {
    return value >= 0 && value < SMALL_LONGS.length ? SMALL_LONGS[(int) value] : Long.valueOf(value);
  }

  /** How many attributes there are. */
  public int size() {
    return size;
  }

  /** Whether there are none. */
  public boolean isEmpty() {
    return size == 0;
  }

  /** The key at {@code index} (0-based, in insertion order). */
  public String key(int index) {
    checkIndex(index);
    return (String) entries[index * 2];
  }

  /** The value at {@code index}: a String, Long, Double or Boolean. */
  public Object value(int index) {
    checkIndex(index);
    return entries[index * 2 + 1];
  }

  /** The value of {@code key}, or null. */
  public @Nullable Object get(String key) {
    for (int i = 0; i < size; i++) {
      if (entries[i * 2].equals(key)) {
        return entries[i * 2 + 1];
      }
    }
    return null;
  }

  /** Calls {@code action} for each attribute in order. */
  public void forEach(BiConsumer<String, Object> action) {
    for (int i = 0; i < size; i++) {
      action.accept((String) entries[i * 2], entries[i * 2 + 1]);
    }
  }

  /** A new insertion-ordered map of the attributes. */
  public Map<String, Object> asMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    forEach(map::put);
    return Collections.unmodifiableMap(map);
  }

  private void checkIndex(int index) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("index " + index + " of " + size);
    }
  }

  @Override
  public String toString() {
    return asMap().toString();
  }
}
