package io.weft.mongodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonRegularExpression;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.junit.jupiter.api.Test;

/** The shape rules on command documents as the driver reports them, one value type and one command at a time. */
class CommandShapeTest {
  /** The shape of {@code command}, read as the listener reads it. */
  static String shapeOf(String name, BsonDocument command, String collection, int maxLength) {
    try (BsonScanner scanner = BsonScanner.open(command)) {
      return CommandShape.of(name, scanner, collection, maxLength);
    }
  }

  /** The collection of {@code command}, read as the listener reads it. */
  static String collectionOf(String name, BsonDocument command) {
    try (BsonScanner scanner = BsonScanner.open(command)) {
      return MongoCommands.collection(name, scanner);
    }
  }

  static String shape(String json) {
    BsonDocument command = BsonDocument.parse(json);
    String name = command.getFirstKey();
    return shapeOf(name, command, collectionOf(name, command), CommandShape.DEFAULT_MAX_LENGTH);
  }

  @Test
  void everyValueTypeBecomesAQuestionMark() {
    BsonDocument filter = new BsonDocument()
        .append("string", new BsonString("alice@example.com"))
        .append("int", new BsonInt32(42))
        .append("long", new BsonInt64(42L))
        .append("double", new BsonDouble(4.2))
        .append("decimal", new BsonDecimal128(Decimal128.parse("4.20")))
        .append("bool", BsonBoolean.TRUE)
        .append("null", BsonNull.VALUE)
        .append("date", new BsonDateTime(1_700_000_000_000L))
        .append("timestamp", new BsonTimestamp(1, 2))
        .append("id", new BsonObjectId())
        .append("binary", new BsonBinary(new byte[] {1, 2, 3}))
        .append("regex", new BsonRegularExpression("^secret", "i"))
        .append("nested", new BsonDocument("deeper", new BsonDocument("$gt", new BsonInt32(7))))
        .append("list", new BsonArray(List.of(new BsonInt32(1), new BsonInt32(2), new BsonInt32(3))));
    BsonDocument command = new BsonDocument("find", new BsonString("users")).append("filter", filter);
    String shape = shapeOf("find", command, "users", CommandShape.DEFAULT_MAX_LENGTH);
    assertThat(shape).isEqualTo("{\"find\": \"users\", \"filter\": {\"string\": \"?\", \"int\": \"?\", \"long\": \"?\", "
        + "\"double\": \"?\", \"decimal\": \"?\", \"bool\": \"?\", \"null\": \"?\", \"date\": \"?\", "
        + "\"timestamp\": \"?\", \"id\": \"?\", \"binary\": \"?\", \"regex\": \"?\", "
        + "\"nested\": {\"deeper\": {\"$gt\": \"?\"}}, \"list\": [\"?\"]}}");
    assertThat(shape).doesNotContain("alice", "42", "4.2", "secret", "true");
  }

  @Test
  void aRawDocumentHasTheSameShape() {
    String json = "{\"find\": \"orders\", \"filter\": {\"a\": {\"$in\": [1, 2]}}, \"$db\": \"shop\"}";
    BsonDocument raw = RawBsonDocument.parse(json);
    assertThat(shapeOf("find", raw, collectionOf("find", raw), 100))
        .isEqualTo(shape(json)).isEqualTo("{\"find\": \"orders\", \"filter\": {\"a\": {\"$in\": [\"?\"]}}}");
  }

  @Test
  void theDriversEnvelopeIsLeftOut() {
    assertThat(shape("{\"find\": \"orders\", \"filter\": {\"a\": 1}, \"$db\": \"shop\", \"lsid\": {\"id\": 1}, "
        + "\"$clusterTime\": {\"clusterTime\": 1}, \"txnNumber\": 3, \"autocommit\": false, "
        + "\"$readPreference\": {\"mode\": \"primary\"}, \"readConcern\": {\"level\": \"majority\"}, "
        + "\"writeConcern\": {\"w\": 1}, \"apiVersion\": \"1\"}"))
        .isEqualTo("{\"find\": \"orders\", \"filter\": {\"a\": \"?\"}}");
  }

  @Test
  void aTransactionsCommandsHaveDocumentedShapes() {
    // the first command of a transaction carries startTransaction, which the shape keeps
    assertThat(shape("{\"insert\": \"orders\", \"documents\": [{\"_id\": 1}], \"lsid\": {\"id\": 1}, "
        + "\"txnNumber\": 1, \"startTransaction\": true, \"autocommit\": false, \"$db\": \"shop\"}"))
        .isEqualTo("{\"insert\": \"orders\", \"documents\": [{\"_id\": \"?\"}], \"startTransaction\": true}");
    assertThat(shape("{\"commitTransaction\": 1, \"lsid\": {\"id\": 1}, \"txnNumber\": 1, \"autocommit\": false, "
        + "\"recoveryToken\": {\"shardId\": \"s\"}, \"$db\": \"admin\"}"))
        .isEqualTo("{\"commitTransaction\": \"?\"}");
    assertThat(shape("{\"abortTransaction\": 1, \"lsid\": {\"id\": 1}, \"txnNumber\": 2, \"autocommit\": false}"))
        .isEqualTo("{\"abortTransaction\": \"?\"}");
    assertThat(collectionOf("commitTransaction", BsonDocument.parse("{\"commitTransaction\": 1}")))
        .isNull();
  }

  @Test
  void cursorCommandsKeepTheirCollectionAndHideTheCursorId() {
    assertThat(shape("{\"getMore\": {\"$numberLong\": \"123456789\"}, \"collection\": \"orders\", "
        + "\"batchSize\": 3}")).isEqualTo("{\"getMore\": \"?\", \"collection\": \"orders\", \"batchSize\": \"?\"}");
    assertThat(shape("{\"killCursors\": \"orders\", \"cursors\": [{\"$numberLong\": \"1\"}, "
        + "{\"$numberLong\": \"2\"}]}")).isEqualTo("{\"killCursors\": \"orders\", \"cursors\": [\"?\"]}");
    assertThat(collectionOf("getMore", BsonDocument.parse("{\"getMore\": 1, \"collection\": \"c\"}")))
        .isEqualTo("c");
  }

  @Test
  void aBulkWriteOfOneShapeIsOneShapeAndAPipelineKeepsEveryStage() {
    List<BsonValue> documents = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      documents.add(new BsonDocument("_id", new BsonInt32(i)).append("sku", new BsonString("A-" + i)));
    }
    documents.add(new BsonDocument("_id", new BsonInt32(-1)).append("note", new BsonString("odd one")));
    BsonDocument insert = new BsonDocument("insert", new BsonString("stock")).append("ordered", BsonBoolean.TRUE)
        .append("documents", new BsonArray(documents));
    assertThat(shapeOf("insert", insert, "stock", CommandShape.DEFAULT_MAX_LENGTH))
        .isEqualTo("{\"insert\": \"stock\", \"ordered\": \"?\", \"documents\": [{\"_id\": \"?\", \"sku\": \"?\"}, "
            + "{\"_id\": \"?\", \"note\": \"?\"}]}");
    assertThat(shape("{\"aggregate\": \"orders\", \"pipeline\": [{\"$match\": {\"a\": 1}}, {\"$match\": {\"a\": 2}}, "
        + "{\"$group\": {\"_id\": \"$a\"}}, {\"$limit\": 5}], \"cursor\": {}}"))
        .isEqualTo("{\"aggregate\": \"orders\", \"pipeline\": [{\"$match\": {\"a\": \"?\"}}, "
            + "{\"$group\": {\"_id\": \"?\"}}, {\"$limit\": \"?\"}], \"cursor\": {}}");
  }

  @Test
  void aCommandIsReadTwiceFromOneScannerSmallOrLarge() {
    for (int documents : new int[] {1, 2_000}) { // about 60 bytes, and more than the scratch array's 16 KB
      List<BsonValue> batch = new ArrayList<>();
      for (int i = 0; i < documents; i++) {
        batch.add(new BsonDocument("_id", new BsonInt32(i)).append("sku", new BsonString("sku-" + i)));
      }
      RawBsonDocument insert = new RawBsonDocument(new BsonDocument("insert", new BsonString("stock"))
          .append("documents", new BsonArray(batch)).append("$db", new BsonString("shop")),
          new org.bson.codecs.BsonDocumentCodec());
      assertThat(insert.getByteBuffer().remaining() > BsonScanner.SCRATCH_BYTES).isEqualTo(documents > 1);
      try (BsonScanner scanner = BsonScanner.open(insert)) {
        String collection = MongoCommands.collection("insert", scanner);
        scanner.rewind();
        assertThat(collection).isEqualTo("stock");
        assertThat(CommandShape.of("insert", scanner, collection, CommandShape.DEFAULT_MAX_LENGTH))
            .isEqualTo("{\"insert\": \"stock\", \"documents\": [{\"_id\": \"?\", \"sku\": \"?\"}]}");
      }
    }
  }

  @Test
  void aDatabaseCommandHasNoCollectionAndHidesItsArgument() {
    assertThat(shape("{\"aggregate\": 1, \"pipeline\": [{\"$currentOp\": {}}], \"cursor\": {}}"))
        .isEqualTo("{\"aggregate\": \"?\", \"pipeline\": [{\"$currentOp\": {}}], \"cursor\": {}}");
    // renameCollection's argument is a namespace, not a collection of this command: hidden like any value
    assertThat(shape("{\"renameCollection\": \"shop.a\", \"to\": \"shop.b\"}"))
        .isEqualTo("{\"renameCollection\": \"?\", \"to\": \"?\"}");
  }

  @Test
  void aLongShapeIsCutWithAnEllipsisAndTheWalkStops() {
    BsonDocument filter = new BsonDocument();
    for (int i = 0; i < 10_000; i++) {
      filter.append("field" + i, new BsonInt32(i));
    }
    BsonDocument command = new BsonDocument("find", new BsonString("wide")).append("filter", filter);
    String shape = shapeOf("find", command, "wide", 200);
    assertThat(shape).hasSize(200).startsWith("{\"find\": \"wide\", \"filter\": {\"field0\": \"?\"").endsWith("…");
  }

  @Test
  void fieldNamesAreEscaped() {
    BsonDocument command = new BsonDocument("find", new BsonString("we\"ird"))
        .append("filter", new BsonDocument("a\\b\n", new BsonInt32(1)));
    assertThat(shapeOf("find", command, "we\"ird", 100))
        .isEqualTo("{\"find\": \"we\\\"ird\", \"filter\": {\"a\\\\b\\u000a\": \"?\"}}");
  }

  @Test
  void rawTextKeepsValuesButNotTheEnvelope() {
    BsonDocument command = BsonDocument.parse("{\"find\": \"orders\", \"filter\": {\"customer\": \"c1\"}, "
        + "\"$db\": \"shop\", \"lsid\": {\"id\": 1}}");
    assertThat(CommandShape.raw(command, 1000)).isEqualTo("{\"find\": \"orders\", \"filter\": {\"customer\": \"c1\"}}");
    assertThat(CommandShape.raw(command, 20)).hasSize(20).endsWith("…");
  }

  @Test
  void repliesGiveRowsAndWriteErrors() {
    CommandReply find = CommandReply.of("find",
        BsonDocument.parse("{\"cursor\": {\"firstBatch\": [{}, {}], \"id\": 0, \"ns\": \"shop.orders\"}, \"ok\": 1}"));
    CommandReply more = CommandReply.of("getMore",
        BsonDocument.parse("{\"cursor\": {\"id\": 0, \"nextBatch\": [{}]}, \"ok\": 1}"));
    CommandReply distinct = CommandReply.of("distinct", BsonDocument.parse("{\"values\": [1, 2, 3], \"ok\": 1}"));
    CommandReply insert = CommandReply.of("insert", BsonDocument.parse("{\"n\": 0, \"writeErrors\": [{\"index\": 0, "
        + "\"code\": 11000, \"errmsg\": \"E11000 duplicate key\"}, {\"index\": 1, \"code\": 2}], \"ok\": 1}"));
    CommandReply concern = CommandReply.of("update", BsonDocument.parse("{\"n\": {\"$numberLong\": \"4\"}, "
        + "\"writeConcernError\": {\"code\": 64, \"errmsg\": \"waiting for replication timed out\"}, \"ok\": 1}"));
    CommandReply modify = CommandReply.of("findAndModify",
        BsonDocument.parse("{\"lastErrorObject\": {\"n\": 1, \"updatedExisting\": true}, \"value\": {}, \"ok\": 1}"));
    CommandReply count = CommandReply.of("count", BsonDocument.parse("{\"n\": 12, \"ok\": 1}"));

    assertThat(find).isEqualTo(new CommandReply(2, -1, null, null, null));
    assertThat(more.returnedRows()).isEqualTo(1);
    assertThat(distinct.returnedRows()).isEqualTo(3);
    assertThat(insert).isEqualTo(new CommandReply(-1, 0, CommandReply.WRITE_ERROR, "11000", "E11000 duplicate key"));
    assertThat(concern).isEqualTo(new CommandReply(-1, 4, CommandReply.WRITE_CONCERN_ERROR, "64",
        "waiting for replication timed out"));
    assertThat(modify.rowsAffected()).isEqualTo(1);
    assertThat(count).as("a count's n is its result, not documents written").isEqualTo(
        new CommandReply(-1, -1, null, null, null));
    assertThat(CommandReply.of("insert", RawBsonDocument.parse("{\"n\": 0, \"writeErrors\": [{\"index\": 0, "
        + "\"code\": 11000, \"errmsg\": \"E11000 duplicate key\"}], \"ok\": 1}")))
        .as("the driver's replies are raw documents").isEqualTo(insert);
  }

  @Test
  void aRepeatedShapeIsTheSameStringAndAScannerOpenedInsideAnotherReadsItsOwnDocument() {
    RawBsonDocument first = RawBsonDocument.parse("{\"find\": \"orders\", \"filter\": {\"_id\": 1}}");
    RawBsonDocument second = RawBsonDocument.parse("{\"find\": \"orders\", \"filter\": {\"_id\": 2}}");
    RawBsonDocument other = RawBsonDocument.parse("{\"delete\": \"carts\", \"deletes\": [{\"q\": {}}]}");

    String shape = shapeOf("find", first, "orders", CommandShape.DEFAULT_MAX_LENGTH);
    assertThat(shape).isEqualTo("{\"find\": \"orders\", \"filter\": {\"_id\": \"?\"}}");
    assertThat(shapeOf("find", second, "orders", CommandShape.DEFAULT_MAX_LENGTH))
        .as("one string per shape, not per command").isSameAs(shape);

    try (BsonScanner outer = BsonScanner.open(first)) { // the thread's reused scanner is busy: the inner one is new
      outer.enter();
      assertThat(outer.next()).isEqualTo(BsonScanner.STRING);
      assertThat(shapeOf("delete", other, "carts", CommandShape.DEFAULT_MAX_LENGTH))
          .isEqualTo("{\"delete\": \"carts\", \"deletes\": [{\"q\": {}}]}");
      assertThat(outer.readString()).as("the outer scanner still reads its own document").isEqualTo("orders");
    }
  }
}
