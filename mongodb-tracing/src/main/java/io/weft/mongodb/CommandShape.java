package io.weft.mongodb;

import java.util.Map;
import org.bson.BsonArray;
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
 *   <li>The driver's envelope is left out ({@link MongoCommands#ENVELOPE}: session, cluster time, transaction number,
 *       read and write concern, server API).
 *   <li>An array keeps its elements' shapes but writes a run of equal shapes once: 1,000 inserted documents of one
 *       shape are one shape, {@code "$in": [1, 2, 3]} is {@code ["?"]}, an aggregation keeps every stage.
 *   <li>The text is at most {@code maxLength} characters; a longer shape is cut and ends with {@code …}. The walk
 *       stops there too, so a huge command costs no more than a small one.
 * </ul>
 */
final class CommandShape {
  /** The default limit on a shape's length, in characters. */
  static final int DEFAULT_MAX_LENGTH = 2048;
  private static final String ELLIPSIS = "…";

  private final StringBuilder text = new StringBuilder(128);
  private final int maxLength;

  private CommandShape(int maxLength) {
    this.maxLength = maxLength;
  }

  /** The shape of {@code command}, a command named {@code commandName} on {@code collection} (or null). */
  static String of(String commandName, BsonDocument command, @Nullable String collection, int maxLength) {
    CommandShape shape = new CommandShape(Math.max(maxLength, 8));
    shape.command(commandName, command, collection);
    return shape.finish();
  }

  /**
   * The command itself as JSON without the driver's envelope, for users who turned sanitizing off: values included,
   * at most {@code maxLength} characters.
   */
  static String raw(BsonDocument command, int maxLength) {
    BsonDocument copy = new BsonDocument();
    for (Map.Entry<String, BsonValue> field : command.entrySet()) {
      if (!MongoCommands.ENVELOPE.contains(field.getKey())) {
        copy.put(field.getKey(), field.getValue());
      }
    }
    String json = copy.toJson();
    return json.length() <= maxLength ? json : json.substring(0, Math.max(maxLength - 1, 0)) + ELLIPSIS;
  }

  private void command(String commandName, BsonDocument command, @Nullable String collection) {
    text.append('{');
    boolean first = true;
    for (Map.Entry<String, BsonValue> field : command.entrySet()) {
      String name = field.getKey();
      if (MongoCommands.ENVELOPE.contains(name)) {
        continue;
      }
      if (!first) {
        text.append(", ");
      }
      first = false;
      key(name);
      BsonValue value = field.getValue();
      if (value.isString() && MongoCommands.keepsValue(commandName, name, collection)) {
        string(value.asString().getValue());
      } else if (MongoCommands.START_TRANSACTION.equals(name) && value.isBoolean() && value.asBoolean().getValue()) {
        text.append("true");
      } else {
        value(value);
      }
      if (full()) {
        return;
      }
    }
    text.append('}');
  }

  private void value(BsonValue value) {
    if (value.isDocument()) {
      document(value.asDocument());
    } else if (value.isArray()) {
      array(value.asArray());
    } else {
      text.append("\"?\"");
    }
  }

  private void document(BsonDocument document) {
    text.append('{');
    boolean first = true;
    for (Map.Entry<String, BsonValue> field : document.entrySet()) {
      if (!first) {
        text.append(", ");
      }
      first = false;
      key(field.getKey());
      value(field.getValue());
      if (full()) {
        return;
      }
    }
    text.append('}');
  }

  /** Writes each element's shape, dropping one equal to the element before it. */
  private void array(BsonArray array) {
    text.append('[');
    int previousStart = -1;
    int previousEnd = -1;
    for (BsonValue element : array) {
      int separator = text.length();
      if (previousStart >= 0) {
        text.append(", ");
      }
      int start = text.length();
      value(element);
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

  private void key(String name) {
    string(name);
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
    if (!full()) {
      return text.toString();
    }
    text.setLength(maxLength - ELLIPSIS.length());
    if (Character.isHighSurrogate(text.charAt(text.length() - 1))) {
      text.setLength(text.length() - 1);
    }
    return text.append(ELLIPSIS).toString();
  }
}
