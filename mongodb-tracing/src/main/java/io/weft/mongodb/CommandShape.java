package io.weft.mongodb;

import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.jspecify.annotations.Nullable;

/**
 * A command's shape, what Weft records as {@code db.query.text}: the command document as JSON-like text with every
 * value replaced by {@code "?"}, so it shows which fields and operators a command used and never what they held
 * ({@code {"find": "orders", "filter": {"customer": "?", "total": {"$gt": "?"}}}}).
 *
 * <ul>
 *   <li>Field names and operators are kept; every value is {@code "?"}: strings, numbers, booleans, dates, ids,
 *       binaries, regular expressions, {@code null}.
 *   <li>Identifiers are kept: the collection of a command that names it first ({@code "find": "orders"}) and a {@code
 *       getMore}'s {@code collection}. A transaction's first command keeps {@code "startTransaction": true}.
 *   <li>The driver's envelope is left out ({@code MongoCommands.ENVELOPE}: session, cluster time, transaction number,
 *       read and write concern, server API).
 *   <li>An array keeps its elements' shapes but writes a run of equal shapes once: 1,000 inserted documents of one
 *       shape are one shape, {@code "$in": [1, 2, 3]} is {@code ["?"]}, an aggregation keeps every stage.
 *   <li>The text is at most {@code maxLength} characters; a longer shape is cut and ends with {@code …}. The walk
 *       stops there too, so a huge command costs no more than a small one.
 *   <li>The command is read once, as bytes ({@link BsonScanner}): values are skipped, never decoded.
 * </ul>
 */
final class CommandShape {
  /** The default limit on a shape's length, in characters. */
  static final int DEFAULT_MAX_LENGTH = 2048;
  private static final String ELLIPSIS = "…";

  /** Shapes kept as strings: a command of a shape seen recently costs no new string. */
  private static final RecentTexts RECENT = new RecentTexts(256, 1024);
  /** A builder that grew past this is not kept for the thread's next shape. */
  private static final int KEPT_CAPACITY = 4096;
  private static final ThreadLocal<CommandShape> REUSED = ThreadLocal.withInitial(CommandShape::new);

  private StringBuilder text = new StringBuilder(128);
  private int maxLength;
  private boolean busy;

  private CommandShape() {
  }

  /**
   * The shape of a command named {@code commandName} on {@code collection} (or null), read from a scanner before the
   * command's start. Written into the thread's reused builder; a shape seen recently comes back as the same string.
   */
  static String of(String commandName, BsonScanner scanner, @Nullable String collection, int maxLength) {
    CommandShape reused = REUSED.get();
    CommandShape shape = reused.busy ? new CommandShape() : reused;
    shape.busy = true;
    shape.maxLength = Math.max(maxLength, 8);
    try {
      shape.command(commandName, scanner, collection);
      return shape.finish();
    } finally {
      shape.text.setLength(0);
      if (shape.text.capacity() > KEPT_CAPACITY) {
        shape.text = new StringBuilder(128);
      }
      shape.busy = false;
    }
  }

  /**
   * The command itself as JSON without the driver's envelope, for users who turned sanitizing off: values included,
   * at most {@code maxLength} characters.
   */
  static String raw(BsonDocument command, int maxLength) {
    BsonDocument copy = new BsonDocument();
    for (Map.Entry<String, BsonValue> field : command.entrySet()) {
      if (!MongoCommands.isEnvelope(field.getKey())) {
        copy.put(field.getKey(), field.getValue());
      }
    }
    String json = copy.toJson();
    return json.length() <= maxLength ? json : json.substring(0, Math.max(maxLength - 1, 0)) + ELLIPSIS;
  }

  /** Writes the command's shape in one pass over its bytes: values are skipped, never decoded. */
  private void command(String commandName, BsonScanner scanner, @Nullable String collection) {
    scanner.enter();
    text.append('{');
    boolean first = true;
    for (byte type; (type = scanner.next()) != BsonScanner.END; ) {
      if (MongoCommands.isEnvelope(scanner)) {
        scanner.skip(type);
        continue;
      }
      if (!first) {
        text.append(", ");
      }
      first = false;
      key(scanner);
      if (type == BsonScanner.STRING && MongoCommands.keepsValue(commandName, scanner, collection)) {
        string(scanner.readString());
      } else if (type == BsonScanner.BOOLEAN && scanner.nameIs(MongoCommands.START_TRANSACTION)) {
        text.append(scanner.readBoolean() ? "true" : "\"?\"");
      } else {
        value(scanner, type);
      }
      if (full()) {
        return;
      }
    }
    text.append('}');
  }

  private void value(BsonScanner scanner, byte type) {
    if (type == BsonScanner.DOCUMENT) {
      document(scanner);
    } else if (type == BsonScanner.ARRAY) {
      array(scanner);
    } else {
      scanner.skip(type);
      text.append("\"?\"");
    }
  }

  private void document(BsonScanner scanner) {
    scanner.enter();
    text.append('{');
    boolean first = true;
    for (byte type; (type = scanner.next()) != BsonScanner.END; ) {
      if (!first) {
        text.append(", ");
      }
      first = false;
      key(scanner);
      value(scanner, type);
      if (full()) {
        return;
      }
    }
    text.append('}');
  }

  /** Writes each element's shape, dropping one equal to the element before it. */
  private void array(BsonScanner scanner) {
    scanner.enter();
    text.append('[');
    int previousStart = -1;
    int previousEnd = -1;
    for (byte type; (type = scanner.next()) != BsonScanner.END; ) {
      int separator = text.length();
      if (previousStart >= 0) {
        text.append(", ");
      }
      int start = text.length();
      value(scanner, type);
      if (full()) {
        return;
      }
      int end = text.length();
      if (previousStart >= 0 && sameText(previousStart, previousEnd, start, end)) {
        text.setLength(separator);
      } else {
        previousStart = start;
        previousEnd = end;
      }
    }
    text.append(']');
  }

  private boolean sameText(int aStart, int aEnd, int bStart, int bEnd) {
    if (aEnd - aStart != bEnd - bStart) {
      return false;
    }
    for (int i = 0; i < aEnd - aStart; i++) {
      if (text.charAt(aStart + i) != text.charAt(bStart + i)) {
        return false;
      }
    }
    return true;
  }

  /** The current field's name, quoted, and the colon: ASCII names without a temporary string. */
  private void key(BsonScanner scanner) {
    int length = scanner.nameLength();
    boolean ascii = true;
    for (int i = 0; i < length && ascii; i++) {
      ascii = scanner.nameByte(i) >= 0x20 && scanner.nameByte(i) != '"' && scanner.nameByte(i) != '\\';
    }
    if (ascii) {
      text.append('"');
      for (int i = 0; i < length; i++) {
        text.append((char) scanner.nameByte(i));
      }
      text.append('"');
    } else {
      string(scanner.name()); // escapes, and decodes UTF-8
    }
    text.append(": ");
  }

  private void string(String value) {
    text.append('"');
    for (int i = 0; i < value.length() && !full(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        text.append('\\').append(c);
      } else if (c < 0x20) {
        text.append(String.format("\\u%04x", (int) c));
      } else {
        text.append(c);
      }
    }
    text.append('"');
  }

  private boolean full() {
    return text.length() > maxLength;
  }

  private String finish() {
    if (full()) {
      text.setLength(maxLength - ELLIPSIS.length());
      if (Character.isHighSurrogate(text.charAt(text.length() - 1))) {
        text.setLength(text.length() - 1);
      }
      text.append(ELLIPSIS);
    }
    return RECENT.get(text);
  }
}
