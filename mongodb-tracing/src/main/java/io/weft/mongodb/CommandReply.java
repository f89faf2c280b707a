package io.weft.mongodb;

import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.jspecify.annotations.Nullable;

/**
 * What a successful reply says about the command: how many documents it returned or wrote, and the write errors the
 * server reports inside a successful reply (a duplicate key on insert comes back as {@code ok: 1} with {@code
 * writeErrors}; the driver then throws to the caller, but the command itself "succeeded"). Pure functions.
 */
final class CommandReply {
  /** {@code error.type} of a write error reported in a reply. */
  static final String WRITE_ERROR = "WriteError";
  /** {@code error.type} of a write concern error reported in a reply. */
  static final String WRITE_CONCERN_ERROR = "WriteConcernError";

  private CommandReply() {}

  /**
   * Documents returned: the batch of a cursor reply ({@code find}, {@code aggregate}, {@code getMore}, the list
   * commands) or a {@code distinct}'s values; -1 when the reply returns none.
   */
  static long returnedRows(BsonDocument reply) {
    BsonValue cursor = reply.get("cursor");
    if (cursor != null && cursor.isDocument()) {
      BsonValue batch = cursor.asDocument().get("firstBatch");
      if (batch == null) {
        batch = cursor.asDocument().get("nextBatch");
      }
      return batch != null && batch.isArray() ? batch.asArray().size() : -1;
    }
    BsonValue values = reply.get("values");
    return values != null && values.isArray() ? values.asArray().size() : -1;
  }

  /**
   * Documents written: {@code n} of an {@code insert}, {@code update} (matched) or {@code delete}, {@code
   * lastErrorObject.n} of a {@code findAndModify}; -1 for other commands.
   */
  static long rowsAffected(String commandName, BsonDocument reply) {
    switch (commandName) {
      case "insert", "update", "delete" -> {
        return number(reply.get("n"));
      }
      case "findAndModify" -> {
        BsonValue last = reply.get("lastErrorObject");
        return last != null && last.isDocument() ? number(last.asDocument().get("n")) : -1;
      }
      default -> {
        return -1;
      }
    }
  }

  /** The first write error, or else the write concern error, of a reply; null when the writes all succeeded. */
  static @Nullable BsonDocument writeError(BsonDocument reply) {
    BsonValue errors = reply.get("writeErrors");
    if (errors != null && errors.isArray()) {
      BsonArray array = errors.asArray();
      if (!array.isEmpty() && array.get(0).isDocument()) {
        return array.get(0).asDocument();
      }
    }
    BsonValue concern = reply.get("writeConcernError");
    return concern != null && concern.isDocument() ? concern.asDocument() : null;
  }

  /** {@link #WRITE_ERROR} or {@link #WRITE_CONCERN_ERROR}, for an error {@link #writeError} found. */
  static String errorType(BsonDocument reply, BsonDocument error) {
    BsonValue concern = reply.get("writeConcernError");
    return concern == error ? WRITE_CONCERN_ERROR : WRITE_ERROR;
  }

  /** An error document's {@code code}, or null. */
  static @Nullable String code(BsonDocument error) {
    long code = number(error.get("code"));
    return code >= 0 ? Long.toString(code) : null;
  }

  /** An error document's {@code errmsg}, or null. */
  static @Nullable String message(BsonDocument error) {
    BsonValue message = error.get("errmsg");
    return message != null && message.isString() ? message.asString().getValue() : null;
  }

  private static long number(@Nullable BsonValue value) {
    return value != null && value.isNumber() ? value.asNumber().longValue() : -1;
  }
}
