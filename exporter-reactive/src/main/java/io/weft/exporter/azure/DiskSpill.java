package io.weft.exporter.azure;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spill files for batches the exporter could not deliver (rule 11). Every method does file I/O and must run on
 * {@code Schedulers.boundedElastic()}, never on an event loop or the exporter's worker.
 *
 * <p>A file is one gzip stream: a JSON header line ({@code {"v":1,"url":…,"spans":[…]}}, the track URL it was meant
 * for and, per envelope line, the index of the span it belongs to) followed by the envelopes, one per line. It is
 * written to a temporary name and atomically renamed, so a crash never leaves a half file under a real name. Files
 * are named by creation time, so a directory listing sorted by name is oldest first. A sender leases a file by
 * renaming it ({@code .spill} → {@code .lease}); leases older than the lease timeout (a crashed sender) are renamed
 * back. A file that cannot be read is moved aside ({@code .corrupt}) and never retried. Total size is capped; files
 * older than the retention are purged.
 *
 * <p>Thread-safe for concurrent use from bounded-elastic threads; the directory may be shared by several processes.
 */
final class DiskSpill {
  private static final Logger logger = LoggerFactory.getLogger(DiskSpill.class);
  private static final JsonFactory JSON = JsonFactory.builder().build();
  private static final String SPILL = ".spill";
  private static final String LEASE = ".lease";
  private static final String CORRUPT = ".corrupt";

  /** One spilled batch read back. */
  record Loaded(Path leased, URI url, List<byte[]> envelopes, int[] spanOfEnvelope) {
    int spans() {
      int count = 0;
      int last = -1;
      for (int span : spanOfEnvelope) {
        if (span != last) {
          count++;
          last = span;
        }
      }
      return count;
    }
  }

  private final Path directory;
  private final long maxBytes;
  private final Duration retention;
  private final Duration leaseTimeout;
  private final Clock clock;
  private final AtomicLong sequence = new AtomicLong();
  private volatile boolean disabled;

  DiskSpill(Path directory, long maxBytes, Duration retention, Duration leaseTimeout, Clock clock) {
    this.directory = directory;
    this.maxBytes = maxBytes;
    this.retention = retention;
    this.leaseTimeout = leaseTimeout;
    this.clock = clock;
    try {
      Files.createDirectories(directory);
      ownerOnly(directory, "rwx------");
      Path probe = Files.createTempFile(directory, "probe", ".tmp");
      Files.delete(probe);
    } catch (IOException | RuntimeException e) {
      disabled = true;
      logger.warn("Telemetry persistence is off: directory {} is not writable ({}); undelivered telemetry will be "
          + "dropped and counted instead of spilled", directory, e.toString());
    }
  }

  boolean enabled() {
    return !disabled;
  }

  Path directory() {
    return directory;
  }

  /**
   * Writes a batch and returns the file, or null (the caller counts the spans as dropped for {@code DISK_FULL})
   * when the cap would be exceeded, persistence is off, or the write failed.
   */
  /**
   * A new file base name: creation time first, so names sort oldest first. Named before writing, so that the
   * caller can register the file as its own before anyone can see it on disk.
   */
  String newName() {
    return String.format("%013d-%06d-%08x", clock.millis(), sequence.incrementAndGet() % 1_000_000,
        ThreadLocalRandom.current().nextInt());
  }

  /** The base name of a spill or lease file: what {@link #newName()} returned for it. */
  static String baseName(Path file) {
    String name = file.getFileName().toString();
    int dot = name.indexOf('.');
    return dot < 0 ? name : name.substring(0, dot);
  }

  @Nullable Path write(String name, URI url, List<byte[]> envelopes, int[] spanOfEnvelope) {
    if (disabled) {
      return null;
    }
    Path temp = null;
    try {
      byte[] body = encode(url, envelopes, spanOfEnvelope);
      if (usedBytes() + body.length > maxBytes) {
        return null;
      }
      temp = Files.createTempFile(directory, name, ".tmp");
      ownerOnly(temp, "rw-------");
      Files.write(temp, body);
      Path file = directory.resolve(name + SPILL);
      move(temp, file);
      return file;
    } catch (IOException | RuntimeException e) {
      logger.warn("Cannot write telemetry spill file in {}", directory, e);
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // nothing more to do
        }
      }
      return null;
    }
  }

  /** Leases and reads the oldest readable file, or returns null when there is none. Corrupt files are set aside. */
  @Nullable Loaded next() {
    if (disabled) {
      return null;
    }
    for (Path file : files(SPILL)) {
      Path leased = file.resolveSibling(file.getFileName().toString().replace(SPILL, LEASE));
      try {
        move(file, leased);
      } catch (NoSuchFileException | FileAlreadyExistsException taken) {
        continue; // another sender leased it first
      } catch (IOException e) {
        continue;
      }
      try {
        Files.setLastModifiedTime(leased, FileTime.fromMillis(clock.millis()));
        return decode(leased, Files.readAllBytes(leased));
      } catch (IOException | RuntimeException corrupt) {
        setAside(leased, corrupt);
      }
    }
    return null;
  }

  /** Deletes a delivered (or definitively rejected) leased file. */
  void delete(Path leased) {
    try {
      Files.deleteIfExists(leased);
    } catch (IOException e) {
      logger.warn("Cannot delete delivered spill file {}", leased, e);
    }
  }

  /** Gives a leased file back (delivery failed; it will be tried again later). */
  void release(Path leased) {
    try {
      move(leased, leased.resolveSibling(leased.getFileName().toString().replace(LEASE, SPILL)));
    } catch (IOException e) {
      logger.warn("Cannot release spill file {}", leased, e);
    }
  }

  /**
   * Purges files past the retention (returns how many spans they held, for the caller's {@code EXPIRED} count) and
   * returns expired leases of crashed senders to the pool.
   */
  int sweep(java.util.function.Predicate<Path> skip) {
    if (disabled) {
      return 0;
    }
    long now = clock.millis();
    int expiredSpans = 0;
    for (Path file : files(SPILL)) {
      if (!skip.test(file) && now - createdMillis(file) > retention.toMillis()) {
        try {
          expiredSpans += decode(file, Files.readAllBytes(file)).spans();
        } catch (IOException | RuntimeException e) {
          // unreadable and expired: nothing to count
        }
        delete(file);
      }
    }
    for (Path lease : files(LEASE)) {
      try {
        if (now - Files.getLastModifiedTime(lease).toMillis() > leaseTimeout.toMillis()) {
          release(lease);
        }
      } catch (IOException e) {
        // gone meanwhile
      }
    }
    return expiredSpans;
  }

  /** Bytes used by spill and leased files. */
  long usedBytes() {
    long total = 0;
    for (String suffix : List.of(SPILL, LEASE)) {
      for (Path file : files(suffix)) {
        try {
          total += Files.size(file);
        } catch (IOException e) {
          // gone meanwhile
        }
      }
    }
    return total;
  }

  /** Spill files waiting (not leased), oldest first. */
  List<Path> files(String suffix) {
    List<Path> result = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*" + suffix)) {
      stream.forEach(result::add);
    } catch (IOException e) {
      return List.of();
    }
    result.sort(null);
    return result;
  }

  List<Path> waiting() {
    return files(SPILL);
  }

  private static long createdMillis(Path file) {
    String name = file.getFileName().toString();
    try {
      return Long.parseLong(name.substring(0, 13));
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private void setAside(Path file, Exception why) {
    logger.warn("Spill file {} cannot be read; moved aside and not retried", file, why);
    try {
      move(file, file.resolveSibling(file.getFileName() + CORRUPT));
    } catch (IOException e) {
      delete(file);
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  private static void ownerOnly(Path path, String permissions) {
    try {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
    } catch (UnsupportedOperationException | IOException e) {
      // Not a POSIX file system: rely on the directory's defaults.
    }
  }

  static byte[] encode(URI url, List<byte[]> envelopes, int[] spanOfEnvelope) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
    try (OutputStream gzip = new GZIPOutputStream(bytes, 8192)) {
      try (JsonGenerator header = JSON.createGenerator(gzip, JsonEncoding.UTF8)) {
        header.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        header.writeStartObject();
        header.writeNumberField("v", 1);
        header.writeStringField("url", url.toString());
        header.writeArrayFieldStart("spans");
        for (int span : spanOfEnvelope) {
          header.writeNumber(span);
        }
        header.writeEndArray();
        header.writeEndObject();
      }
      for (byte[] envelope : envelopes) {
        gzip.write('\n');
        gzip.write(envelope);
      }
    }
    return bytes.toByteArray();
  }

  static Loaded decode(Path file, byte[] content) throws IOException {
    byte[] plain;
    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(content))) {
      plain = in.readAllBytes();
    }
    int newline = 0;
    while (newline < plain.length && plain[newline] != '\n') {
      newline++;
    }
    URI url = null;
    List<Integer> spans = new ArrayList<>();
    try (JsonParser header = JSON.createParser(plain, 0, newline)) {
      if (header.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("no header");
      }
      while (header.nextToken() == JsonToken.FIELD_NAME) {
        String field = header.currentName();
        JsonToken token = header.nextToken();
        if (field.equals("url")) {
          url = URI.create(header.getText());
        } else if (field.equals("spans") && token == JsonToken.START_ARRAY) {
          while (header.nextToken() == JsonToken.VALUE_NUMBER_INT) {
            spans.add(header.getIntValue());
          }
        } else {
          header.skipChildren();
        }
      }
    }
    List<byte[]> envelopes = new ArrayList<>(spans.size());
    int start = newline + 1;
    for (int i = start; i <= plain.length; i++) {
      if (i == plain.length || plain[i] == '\n') {
        if (i > start) {
          envelopes.add(java.util.Arrays.copyOfRange(plain, start, i));
        }
        start = i + 1;
      }
    }
    if (url == null || envelopes.isEmpty() || envelopes.size() != spans.size()) {
      throw new IOException("header and content disagree (" + envelopes.size() + " envelopes, " + spans.size()
          + " span indices)");
    }
    int[] spanOfEnvelope = spans.stream().mapToInt(Integer::intValue).toArray();
    return new Loaded(file, url, envelopes, spanOfEnvelope);
  }

  @Override
  public String toString() {
    return "DiskSpill{" + directory + (disabled ? ", disabled" : "") + "}";
  }
}
