package io.weft.mongodb;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bson.BsonBinaryReader;
import org.bson.BsonDocument;
import org.bson.BsonReader;
import org.bson.ByteBuf;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.io.BsonInput;
import org.bson.io.BsonInputMark;
import org.bson.io.ByteBufferBsonInput;
import org.jspecify.annotations.Nullable;

/**
 * A forward-only scanner over a document's BSON bytes that compares field names without turning them into strings
 * and skips values without decoding them. The driver hands command listeners views over the wire bytes (its own lazy
 * document type over a composite buffer, or a {@link RawBsonDocument}): a lookup by name scans and decodes them again
 * each time, a generic reader allocates a string per name and a context per level, and reading the composite buffer
 * a byte at a time is slow. A document of up to {@link #SCRATCH_BYTES} is copied in one bulk read into a scratch
 * array kept per thread and scanned there; a larger one is scanned through the driver's input.
 *
 * <p>Use: {@link #enter()} at a document's or array's start, then {@link #next()} until it returns {@link #END};
 * after each {@code next()} the field's name is available ({@link #nameIs}, {@link #nameLength}, {@link
 * #nameByte}) and its value must be read or skipped before the next call. Not thread-safe; close it when done, on the
 * thread that opened it.
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

  /** Documents up to this size are scanned in a per-thread copy; MongoDB commands usually are far smaller. */
  static final int SCRATCH_BYTES = 16 * 1024;

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /** The thread's scratch this scanner belongs to (and is handed back to on close), or null for a one-off. */
  private final @Nullable Scratch owner;
  /** The driver's input, read directly when the document was not copied; closed with the scanner. */
  private @Nullable BsonInput input;
  /** The document's bytes when copied (from 0: its length), else null and {@link #input} is read directly. */
  private byte @Nullable [] bytes;
  /** The driver's input just after the length, for {@link #rewind()} when the document was not copied. */
  private @Nullable BsonInputMark start;
  private int position;
  private byte[] name = new byte[16];
  private int nameLength;

  private BsonScanner(@Nullable Scratch owner) {
    this.owner = owner;
  }

  /**
   * A scanner positioned before {@code document}'s length. A thread's first open scanner is its reused one, over a
   * copy in its scratch array; one opened while that is in use, or over a larger document, reads the driver's input.
   */
  static BsonScanner open(BsonDocument document) {
    Scratch scratch = SCRATCH.get();
    if (document instanceof RawBsonDocument raw) {
      ByteBuf buffer = raw.getByteBuffer();
      int length = buffer.remaining();
      if (!scratch.busy && length >= 5 && length <= scratch.bytes.length) {
        buffer.get(scratch.bytes, 0, length); // the copy starts with the document's own length
        buffer.release();
        return scratch.lend(null);
      }
      return overInput(new ByteBufferBsonInput(buffer), scratch);
    }
    BsonReader reader = document.asBsonReader();
    if (reader instanceof BsonBinaryReader binary) { // the driver's lazy documents read their own bytes
      return overInput(binary.getBsonInput(), scratch);
    }
    reader.close();
    // a document built in memory (not what the driver hands listeners): encode it once
    return overInput(new ByteBufferBsonInput(new RawBsonDocument(document, new BsonDocumentCodec())
        .getByteBuffer()), scratch);
  }

  /** Copies the document {@code input} is at into the scratch array when it fits and is free, else reads it. */
  private static BsonScanner overInput(BsonInput input, Scratch scratch) {
    int length = input.readInt32();
    if (!scratch.busy && length >= 5 && length <= scratch.bytes.length) {
      writeInt32(scratch.bytes, length);
      input.readBytes(scratch.bytes, 4, length - 4);
      return scratch.lend(input);
    }
    BsonScanner scanner = new BsonScanner(null);
    scanner.input = input;
    scanner.start = input.getMark(Integer.MAX_VALUE);
    scanner.position = -4; // before the length: enter() at the top level steps over it
    return scanner;
  }

  /** Goes back to the document's start, as just opened: to read it twice. */
  void rewind() {
    position = -4;
    if (start != null) {
      start.reset();
    }
  }

  /** Steps into the document or array whose value comes next (or the top-level document). */
  void enter() {
    if (position == -4) {
      position = bytes != null ? 4 : 0; // the length was read when the scanner opened
      return;
    }
    readInt32();
  }

  /** The next field's type, its name read; {@link #END} after the current document's or array's last field. */
  byte next() {
    byte type = readByte();
    if (type == END) {
      return END;
    }
    nameLength = 0;
    for (byte b = readByte(); b != 0; b = readByte()) {
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
    byte[] copy = bytes;
    if (copy == null) {
      return input().readString();
    }
    int length = readInt32(); // with the trailing zero
    String value = new String(copy, position, Math.max(length - 1, 0), StandardCharsets.UTF_8);
    position += length;
    return value;
  }

  boolean readBoolean() {
    return readByte() != 0;
  }

  /** An integer value (int32, int64 or double, truncated); -1, skipped, for any other type. */
  long readNumber(byte type) {
    return switch (type) {
      case INT32 -> readInt32();
      case INT64 -> readInt64();
      case DOUBLE -> (long) Double.longBitsToDouble(readInt64());
      default -> {
        skip(type);
        yield -1;
      }
    };
  }

  /** Skips a value of {@code type}, whatever its size, without decoding it. */
  void skip(byte type) {
    switch (type) {
      case DOUBLE, 0x09, 0x11, INT64 -> skipBytes(8); // double, date-time, timestamp, int64
      case STRING, 0x0D, 0x0E -> skipBytes(readInt32()); // string, JavaScript, symbol
      case DOCUMENT, ARRAY, 0x0F -> skipBytes(readInt32() - 4); // length includes itself
      case 0x05 -> skipBytes(readInt32() + 1); // binary: length, subtype, bytes
      case 0x06, 0x0A, (byte) 0xFF, 0x7F -> { } // undefined, null, min key, max key
      case 0x07 -> skipBytes(12); // object id
      case BOOLEAN -> skipBytes(1);
      case 0x0B -> { // regular expression: pattern and options
        skipCString();
        skipCString();
      }
      case 0x0C -> { // DB pointer: namespace and id
        skipBytes(readInt32());
        skipBytes(12);
      }
      case INT32 -> skipBytes(4);
      case 0x13 -> skipBytes(16); // decimal128
      default -> throw new IllegalStateException("not a BSON type: " + type);
    }
  }

  private byte readByte() {
    byte[] copy = bytes;
    if (copy == null) {
      return input().readByte();
    }
    check(1);
    return copy[position++];
  }

  private int readInt32() {
    byte[] copy = bytes;
    if (copy == null) {
      return input().readInt32();
    }
    check(4);
    int value = (copy[position] & 0xFF) | (copy[position + 1] & 0xFF) << 8 | (copy[position + 2] & 0xFF) << 16
        | (copy[position + 3] & 0xFF) << 24;
    position += 4;
    return value;
  }

  private long readInt64() {
    if (bytes == null) {
      return input().readInt64();
    }
    long low = readInt32() & 0xFFFFFFFFL;
    long high = readInt32() & 0xFFFFFFFFL;
    return low | high << 32;
  }

  private void skipBytes(int count) {
    if (count < 0) {
      throw new IllegalStateException("negative BSON length: " + count);
    }
    if (bytes == null) {
      input().skip(count);
      return;
    }
    check(count);
    position += count;
  }

  private void skipCString() {
    while (readByte() != 0) {
      // up to and including the terminating zero
    }
  }

  /** Fails on a read past the copied document (a malformed length), instead of reading stale scratch bytes. */
  private void check(int count) {
    byte[] copy = bytes;
    if (copy != null && (position + count > readLength(copy) || position + count < 0)) {
      throw new IllegalStateException("BSON read past the document's end");
    }
  }

  private static int readLength(byte[] copy) {
    return (copy[0] & 0xFF) | (copy[1] & 0xFF) << 8 | (copy[2] & 0xFF) << 16 | (copy[3] & 0xFF) << 24;
  }

  private static void writeInt32(byte[] target, int value) {
    target[0] = (byte) value;
    target[1] = (byte) (value >>> 8);
    target[2] = (byte) (value >>> 16);
    target[3] = (byte) (value >>> 24);
  }

  /** The driver's input of a scanner that did not copy its document. */
  private BsonInput input() {
    BsonInput opened = input;
    if (opened == null) {
      throw new IllegalStateException("the scanner is closed");
    }
    return opened;
  }

  @Override
  public void close() {
    BsonInput opened = input;
    input = null;
    start = null;
    if (owner != null) {
      bytes = null;
      owner.busy = false;
    }
    if (opened != null) {
      opened.close();
    }
  }

  /** A thread's scratch array and scanner, lent to one reader at a time. */
  private static final class Scratch {
    final byte[] bytes = new byte[SCRATCH_BYTES];
    final BsonScanner scanner = new BsonScanner(this);
    boolean busy;

    /** The thread's scanner over the document copied into {@link #bytes}; {@code input} is closed with it. */
    BsonScanner lend(@Nullable BsonInput input) {
      busy = true;
      scanner.input = input;
      scanner.bytes = bytes;
      scanner.start = null;
      scanner.position = -4;
      scanner.nameLength = 0;
      return scanner;
    }
  }
}
