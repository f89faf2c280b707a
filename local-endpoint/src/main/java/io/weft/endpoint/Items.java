package io.weft.endpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The items of one track body: a JSON array, or newline-delimited JSON (one envelope per line, blank lines ignored).
 * A line that is not JSON is an item with a parse error; an array that is not JSON fails the whole body.
 */
final class Items {
  /** One item: its bytes are {@code payload[from, to)}; {@code parsed} holds its problems and indexed fields. */
  record Item(byte[] payload, int from, int to, EnvelopeValidator.Parsed parsed) {
    int bytes() {
      return to - from;
    }

    byte[] copy() {
      return java.util.Arrays.copyOfRange(payload, from, to);
    }
  }

  private final List<Item> items;
  private final int count;
  private final @Nullable String error;

  private Items(List<Item> items, int count, @Nullable String error) {
    this.items = items;
    this.count = count;
    this.error = error;
  }

  int size() {
    return count;
  }

  Item get(int index) {
    return items.get(index);
  }

  @Nullable String error() {
    return error;
  }

  static Items parse(byte[] payload, EnvelopeValidator validator) {
    int start = firstNonSpace(payload);
    if (start < payload.length && payload[start] == '[') {
      // One streaming pass finds each element's bytes; each element is then validated on its own.
      try (JsonParser parser = LocalEndpoint.JSON.getFactory().createParser(payload)) {
        parser.nextToken();
        List<Item> items = new ArrayList<>();
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
          if (token == null) {
            return new Items(List.of(), 0, "body is not valid JSON: unexpected end of the array");
          }
          int from = (int) parser.currentTokenLocation().getByteOffset();
          EnvelopeValidator.Parsed parsed = validator.readValue(parser, token);
          int to = (int) parser.currentLocation().getByteOffset();
          items.add(new Item(payload, from, to, parsed));
        }
        if (parser.nextToken() != null) {
          return new Items(List.of(), 0, "body is not valid JSON: content after the array");
        }
        return new Items(items, items.size(), null);
      } catch (IOException | RuntimeException e) {
        return new Items(List.of(), 0, "body is not valid JSON: " + oneLine(e.getMessage()));
      }
    }
    Items streamed = stream(payload, validator);
    if (streamed != null) {
      return streamed;
    }
    // Some line is not JSON: read line by line, so that only that line is rejected.
    List<Item> items = new ArrayList<>();
    int lineStart = 0;
    for (int i = 0; i <= payload.length; i++) {
      if (i == payload.length || payload[i] == '\n') {
        int end = i;
        if (end > lineStart && payload[end - 1] == '\r') {
          end--;
        }
        if (!blank(payload, lineStart, end)) {
          items.add(new Item(payload, lineStart, end, validator.read(payload, lineStart, end - lineStart)));
        }
        lineStart = i + 1;
      }
    }
    if (items.size() == 1 && items.get(0).parsed().problems().size() == 1
        && items.get(0).parsed().problems().get(0).startsWith("not valid JSON")) {
      // A body that is one unparsable line is "not JSON" as a whole, as the service answers it.
      return new Items(List.of(), 0, "body is " + items.get(0).parsed().problems().get(0));
    }
    return new Items(items, items.size(), null);
  }

  /**
   * The fast path for newline-delimited JSON: one parser reads the envelopes one after the other (creating a
   * parser per line costs more than parsing the line). Returns null when the body is not well-formed, or when an
   * envelope spans lines, so that the caller can fall back to reading line by line.
   */
  private static @Nullable Items stream(byte[] payload, EnvelopeValidator validator) {
    List<Item> items = new ArrayList<>();
    try (JsonParser parser = LocalEndpoint.JSON.getFactory().createParser(payload)) {
      JsonToken token;
      int lastLine = -1;
      while ((token = parser.nextToken()) != null) {
        int line = parser.currentTokenLocation().getLineNr();
        int from = (int) parser.currentTokenLocation().getByteOffset();
        EnvelopeValidator.Parsed parsed = validator.readValue(parser, token);
        if (line == lastLine || parser.currentLocation().getLineNr() != line) {
          return null; // two envelopes on one line, or one over several lines: not NDJSON
        }
        lastLine = line;
        int to = (int) parser.currentLocation().getByteOffset();
        items.add(new Item(payload, from, to, parsed));
      }
      return new Items(items, items.size(), null);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** A count-only result of {@code n} items (count-only mode keeps none of them). */
  static Items counted(int n) {
    return new Items(List.of(), n, null);
  }

  /** Count-only mode: the number of items, without building them. */
  static Items count(byte[] payload) {
    int start = firstNonSpace(payload);
    if (start < payload.length && payload[start] == '[') {
      try (JsonParser parser = LocalEndpoint.JSON.getFactory().createParser(payload)) {
        parser.nextToken();
        int n = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          parser.skipChildren();
          n++;
        }
        return new Items(List.of(), n, null);
      } catch (IOException | RuntimeException e) {
        return new Items(List.of(), 0, "body is not valid JSON: " + oneLine(e.getMessage()));
      }
    }
    LineCounter lines = new LineCounter();
    lines.feed(payload, 0, payload.length);
    return counted(lines.finish());
  }

  private static int firstNonSpace(byte[] payload) {
    int i = 0;
    while (i < payload.length && (payload[i] == ' ' || payload[i] == '\n' || payload[i] == '\r'
        || payload[i] == '\t')) {
      i++;
    }
    return i;
  }

  private static boolean blank(byte[] payload, int from, int to) {
    for (int i = from; i < to; i++) {
      byte b = payload[i];
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  private static String oneLine(@Nullable String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
