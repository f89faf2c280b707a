package io.weft.vertx;

import io.vertx.core.spi.tracing.TagExtractor;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Reading the tags Vert.x describes a request or response with. */
final class Tags {
  private Tags() {}

  /** Every tag of {@code target} with a value, by name. */
  static <R> Map<String, String> read(R target, TagExtractor<R> extractor) {
    int length = extractor.len(target);
    Map<String, String> tags = new HashMap<>(length * 2);
    for (int i = 0; i < length; i++) {
      String value = extractor.value(target, i);
      if (value != null) {
        tags.put(extractor.name(target, i), value);
      }
    }
    return tags;
  }

  /** A tag holding a number; -1 when absent or not a number. */
  static int number(@Nullable String value) {
    if (value == null) {
      return -1;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
