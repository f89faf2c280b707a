package io.weft.mongodb;

import org.bson.BsonDocument;
import org.jspecify.annotations.Nullable;

/**
 * What a successful reply says about its command, read in one pass over its bytes ({@link BsonScanner}): how many
 * documents it returned or wrote, and the first write error the server reported inside a successful reply (a
 * duplicate key on insert comes back as {@code ok: 1} with {@code writeErrors}; the driver then throws to the
 * caller, but the command itself "succeeded").
 *
 * @param returnedRows documents in a cursor batch ({@code find}, {@code aggregate}, {@code getMore}, the list
 *     commands) or a {@code distinct}'s values; -1 when the reply returns none
 * @param rowsAffected {@code n} of an {@code insert}, {@code update} (matched) or {@code delete}, {@code
 *     lastErrorObject.n} of a {@code findAndModify}; -1 for other commands
 * @param errorType {@link #WRITE_ERROR} or {@link #WRITE_CONCERN_ERROR}, or null when the writes all succeeded
 * @param code the error's {@code code}, or null
 * @param message the error's {@code errmsg}, or null
 */
record CommandReply(long returnedRows, long rowsAffected, @Nullable String errorType, @Nullable String code,
    @Nullable String message) {
  /** {@code error.type} of a write error reported in a reply. */
  static final String WRITE_ERROR = "WriteError";
  /** {@code error.type} of a write concern error reported in a reply. */
  static final String WRITE_CONCERN_ERROR = "WriteConcernError";

  /** Reads the reply to a command named {@code commandName}. */
  static CommandReply of(String commandName, BsonDocument reply) {
    Reading reading = new Reading(commandName);
    try (BsonScanner scanner = BsonScanner.open(reply)) {
      reading.reply(scanner);
    }
    return reading.result();
  }

  /** The state of one pass over a reply. */
  private static final class Reading {
    private final String commandName;
    private long returned = -1;
    private long affected = -1;
    private @Nullable ErrorFields writeError;
    private @Nullable ErrorFields concernError;

    Reading(String commandName) {
      this.commandName = commandName;
    }

    void reply(BsonScanner scanner) {
      scanner.enter();
      for (byte type; (type = scanner.next()) != BsonScanner.END; ) {
        if (type == BsonScanner.DOCUMENT && scanner.nameIs("cursor")) {
          returned = batchSize(scanner);
        } else if (type == BsonScanner.ARRAY && scanner.nameIs("values")) {
          returned = count(scanner);
        } else if (scanner.nameIs("n") && writes(commandName)) {
          affected = scanner.readNumber(type);
        } else if (type == BsonScanner.DOCUMENT && scanner.nameIs("lastErrorObject")
            && "findAndModify".equals(commandName)) {
          affected = lastErrorCount(scanner);
        } else if (type == BsonScanner.ARRAY && scanner.nameIs("writeErrors")) {
          writeError = firstError(scanner);
        } else if (type == BsonScanner.DOCUMENT && scanner.nameIs("writeConcernError")) {
          concernError = error(scanner);
        } else {
          scanner.skip(type);
        }
      }
    }

    CommandReply result() {
      ErrorFields error = writeError != null ? writeError : concernError;
      String type = writeError != null ? WRITE_ERROR : concernError != null ? WRITE_CONCERN_ERROR : null;
      return new CommandReply(returned, affected, type, error != null ? error.code : null,
          error != null ? error.message : null);
    }

    private static boolean writes(String commandName) {
      return "insert".equals(commandName) || "update".equals(commandName) || "delete".equals(commandName);
    }

    /** The size of a cursor document's {@code firstBatch} or {@code nextBatch}. */
    private static long batchSize(BsonScanner scanner) {
      long size = -1;
      scanner.enter();
      for (byte type; (type = scanner.next()) != BsonScanner.END; ) {
        if (type == BsonScanner.ARRAY && (scanner.nameIs("firstBatch") || scanner.nameIs("nextBatch"))) {
          size = count(scanner);
        } else {
          scanner.skip(type);
        }
      }
      return size;
    }

    private static long count(BsonScanner scanner) {
      long count = 0;
      scanner.enter();
      for (byte type; (type = scanner.next()) != BsonScanner.END; ) {
        scanner.skip(type);
        count++;
      }
      return count;
    }

    private static long lastErrorCount(BsonScanner scanner) {
      long n = -1;
      scanner.enter();
      for (byte type; (type = scanner.next()) != BsonScanner.END; ) {
        if (scanner.nameIs("n")) {
          n = scanner.readNumber(type);
        } else {
          scanner.skip(type);
        }
      }
      return n;
    }

    private static @Nullable ErrorFields firstError(BsonScanner scanner) {
      ErrorFields first = null;
      scanner.enter();
      for (byte type; (type = scanner.next()) != BsonScanner.END; ) {
        if (first == null && type == BsonScanner.DOCUMENT) {
          first = error(scanner);
        } else {
          scanner.skip(type);
        }
      }
      return first;
    }

    private static ErrorFields error(BsonScanner scanner) {
      ErrorFields error = new ErrorFields();
      scanner.enter();
      for (byte type; (type = scanner.next()) != BsonScanner.END; ) {
        if (scanner.nameIs("code")) {
          long code = scanner.readNumber(type);
          error.code = code >= 0 ? Long.toString(code) : null;
        } else if (type == BsonScanner.STRING && scanner.nameIs("errmsg")) {
          error.message = scanner.readString();
        } else {
          scanner.skip(type);
        }
      }
      return error;
    }
  }

  /** The fields of an error document Weft records. */
  private static final class ErrorFields {
    @Nullable String code;
    @Nullable String message;
  }
}
