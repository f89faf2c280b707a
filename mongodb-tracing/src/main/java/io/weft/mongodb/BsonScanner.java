package io.weft.mongodb;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bson.BsonBinaryReader;
import org.bson.BsonDocument;
import org.bson.BsonReader;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.io.BsonInput;
import org.bson.io.BsonInputMark;
import org.bson.io.ByteBufferBsonInput;

/**
 * A forward-only scanner over a document's BSON bytes that compares field names without turning them into strings
 * and skips values without decoding them. The driver hands command listeners views over the wire bytes (its own lazy
 * document type, or a {@link RawBsonDocument}): a lookup by name scans and decodes them again each time, and a
 * generic reader allocates a string per name and a context per level. Weft reads a command and its reply once each,
 * here, and allocates only what it keeps.
 *
 * <p>Use: {@link #enter()} at a document's or array's start, then {@link #next()} until it returns {@link #END};
 * after each {@code next()} the field's name is available ({@link #nameIs}, {@link #nameLength}, {@link
 * #nameByte}) and its value must be read or skipped before the next call. Not thread-safe; close it when done.
 */
final class BsonScanner implements AutoCloseable {
  static final byte END = 0x00;
  static final byte DOUBLE = 0x01;
  static final byte STRING = 0x02;
  static final byte DOCUMENT = 0x03;
  static final byte ARRAY = 0x04;
  static final byte BOOLEAN = 0x08;
  static final byte INT32 = 0x10;
  static final byte INT64 = 0x12;

  private final BsonInput input;
  private byte[] name = new byte[16];
  private int nameLength;

  private BsonScanner(BsonInput input) {
    this.input = input;
  }

  /** A scanner positioned before {@code document}'s length. */
  static BsonScanner open(BsonDocument document) {
    if (document instanceof RawBsonDocument raw) {
      return new BsonScanner(new ByteBufferBsonInput(raw.getByteBuffer()));
    }
    BsonReader reader = document.asBsonReader();
    if (reader instanceof BsonBinaryReader binary) { // the driver's lazy documents read their own bytes
      return new BsonScanner(binary.getBsonInput());
    }
    reader.close();
    // a document built in memory (not what the driver hands listeners): encode it once
    return new BsonScanner(new ByteBufferBsonInput(new RawBsonDocument(document, new BsonDocumentCodec())
        .getByteBuffer()));
  }

  /** Marks the current position, to come back to with {@link #reset}: to read a document twice. */
  BsonInputMark mark() {
    return input.getMark(Integer.MAX_VALUE);
  }

  /** Goes back to {@code mark}. */
  void reset(BsonInputMark mark) {
    mark.reset();
  }

  /** Steps into the document or array whose value comes next (or the top-level document). */
  void enter() {
    input.readInt32();
  }

  /** The next field's type, its name read; {@link #END} after the current document's or array's last field. */
  byte next() {
    byte type = input.readByte();
    if (type == END) {
      return END;
    }
    nameLength = 0;
    for (byte b = input.readByte(); b != 0; b = input.readByte()) {
      if (nameLength == name.length) {
        name = Arrays.copyOf(name, name.length * 2);
      }
      name[nameLength++] = b;
    }
    return type;
  }

  /** Whether the current field's name is {@code expected} (ASCII). */
  boolean nameIs(String expected) {
    if (expected.length() != nameLength) {
      return false;
    }
    for (int i = 0; i < nameLength; i++) {
      if (name[i] != expected.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  int nameLength() {
    return nameLength;
  }

  /** Byte {@code i} of the current field's UTF-8 name. */
  byte nameByte(int i) {
    return name[i];
  }

  /** The current field's name as a string (for names that are not ASCII). */
  String name() {
    return new String(name, 0, nameLength, StandardCharsets.UTF_8);
  }

  String readString() {
    return input.readString();
  }

  boolean readBoolean() {
    return input.readByte() != 0;
  }

  /** An integer value (int32, int64 or double, truncated); -1, skipped, for any other type. */
  long readNumber(byte type) {
    return switch (type) {
      case INT32 -> input.readInt32();
      case INT64 -> input.readInt64();
      case DOUBLE -> (long) input.readDouble();
      default -> {
        skip(type);
        yield -1;
      }
    };
  }

  /** Skips a value of {@code type}, whatever its size, without decoding it. */
  void skip(byte type) {
    switch (type) {
      case DOUBLE, 0x09, 0x11, INT64 -> input.skip(8); // double, date-time, timestamp, int64
      case STRING, 0x0D, 0x0E -> input.skip(input.readInt32()); // string, JavaScript, symbol
      case DOCUMENT, ARRAY, 0x0F -> input.skip(input.readInt32() - 4); // length includes itself
      case 0x05 -> input.skip(input.readInt32() + 1); // binary: length, subtype, bytes
      case 0x06, 0x0A, (byte) 0xFF, 0x7F -> { } // undefined, null, min key, max key
      case 0x07 -> input.skip(12); // object id
      case BOOLEAN -> input.skip(1);
      case 0x0B -> { // regular expression: pattern and options
        input.skipCString();
        input.skipCString();
      }
      case 0x0C -> { // DB pointer: namespace and id
        input.skip(input.readInt32());
        input.skip(12);
      }
      case INT32 -> input.skip(4);
      case 0x13 -> input.skip(16); // decimal128
      default -> throw new IllegalStateException("not a BSON type: " + type);
    }
  }

  @Override
  public void close() {
    input.close();
  }
}
