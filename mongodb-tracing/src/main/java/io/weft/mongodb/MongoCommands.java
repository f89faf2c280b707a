package io.weft.mongodb;

import java.util.Set;
import org.bson.BsonDocument;
import org.bson.BsonValue;
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
  static final Set<String> ENVELOPE = Set.of("$db", "lsid", "$clusterTime", "txnNumber", "autocommit",
      "$readPreference", "recoveryToken", "apiVersion", "apiStrict", "apiDeprecationErrors", "readConcern",
      "writeConcern");

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
   * The collection {@code command} acts on, or null: the first field's string for the commands that take it there
   * ({@code aggregate: 1} runs on the database and has none), {@code collection} for a {@code getMore}.
   */
  static @Nullable String collection(String commandName, BsonDocument command) {
    if ("getMore".equals(commandName)) {
      BsonValue collection = command.get(GET_MORE_COLLECTION);
      return collection != null && collection.isString() ? collection.asString().getValue() : null;
    }
    if (!COLLECTION_FIRST.contains(commandName) || command.isEmpty()) {
      return null;
    }
    BsonValue first = command.get(commandName);
    return first != null && first.isString() ? first.asString().getValue() : null;
  }

  /** Whether the value of {@code field} in a top-level command document is an identifier, kept in the shape. */
  static boolean keepsValue(String commandName, String field, @Nullable String collection) {
    if (collection == null) {
      return false;
    }
    return field.equals(commandName) || ("getMore".equals(commandName) && GET_MORE_COLLECTION.equals(field));
  }
}
