package io.weft.mongodb;

import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What Weft knows about MongoDB command documents: which commands are the driver's own, which fields the driver adds
 * around every command, and where a command names its collection. Pure functions over the command document.
 */
final class MongoCommands {
  /**
   * Commands the driver sends for itself (connection handshake, authentication, returning sessions at close): never
   * spans. Their bodies may also carry credentials, which the driver redacts.
   */
  private static final Set<String> DRIVER_OWN = Set.of("hello", "ismaster", "isMaster", "saslStart", "saslContinue",
      "authenticate", "getnonce", "endSessions");

  /**
   * Fields the driver wraps around a command (session, cluster time, transaction bookkeeping, server API, read and
   * write concern): they describe how the command runs, not what it does, and are left out of its shape.
   */
  private static final String[] ENVELOPE = {"$db", "lsid", "$clusterTime", "txnNumber", "autocommit",
      "$readPreference", "recoveryToken", "apiVersion", "apiStrict", "apiDeprecationErrors", "readConcern",
      "writeConcern"};
  private static final Set<String> ENVELOPE_SET = Set.of(ENVELOPE);

  /** The flag on the first command of a transaction; kept in the shape, as {@code true}. */
  static final String START_TRANSACTION = "startTransaction";

  /** The field of a {@code getMore} that names its collection (its first field is the cursor id). */
  static final String GET_MORE_COLLECTION = "collection";

  /** Commands whose first field's value is the name of the collection they act on. */
  private static final Set<String> COLLECTION_FIRST = Set.of("find", "insert", "update", "delete", "findAndModify",
      "aggregate", "count", "distinct", "mapReduce", "killCursors", "create", "drop", "createIndexes", "dropIndexes",
      "listIndexes", "collMod", "validate", "collStats");

  private MongoCommands() {}

  /** Whether {@code commandName} is one the driver sends for itself. */
  static boolean isDriverOwn(String commandName) {
    return DRIVER_OWN.contains(commandName);
  }

  /**
   * The collection a command acts on, or null: the first field's string for the commands that take it there ({@code
   * aggregate: 1} runs on the database and has none), {@code collection} for a {@code getMore}. Reads the command's
   * top level from a scanner before its start, up to that field, and leaves the scanner anywhere.
   */
  static @Nullable String collection(String commandName, BsonScanner scanner) {
    boolean getMore = "getMore".equals(commandName);
    if (!getMore && !COLLECTION_FIRST.contains(commandName)) {
      return null;
    }
    scanner.enter();
    for (byte type; (type = scanner.next()) != BsonScanner.END; ) {
      if (getMore ? scanner.nameIs(GET_MORE_COLLECTION) : scanner.nameIs(commandName)) {
        return type == BsonScanner.STRING ? scanner.readString() : null;
      }
      if (!getMore) {
        return null; // the command's name is its first field
      }
      scanner.skip(type);
    }
    return null;
  }

  /** Whether the scanner's current field is part of the driver's envelope ({@link #ENVELOPE}). */
  static boolean isEnvelope(BsonScanner scanner) {
    for (String field : ENVELOPE) {
      if (scanner.nameIs(field)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code field}, a top-level field of a command, belongs to the driver's envelope. */
  static boolean isEnvelope(String field) {
    return ENVELOPE_SET.contains(field);
  }

  /**
   * Whether the value of the scanner's current field, at a command's top level, is an identifier, kept in the
   * shape: the command's collection.
   */
  static boolean keepsValue(String commandName, BsonScanner scanner, @Nullable String collection) {
    if (collection == null) {
      return false;
    }
    return scanner.nameIs(commandName) || ("getMore".equals(commandName) && scanner.nameIs(GET_MORE_COLLECTION));
  }
}
