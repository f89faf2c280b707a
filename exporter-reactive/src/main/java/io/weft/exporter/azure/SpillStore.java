package io.weft.exporter.azure;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spill folder of one destination: files of envelopes that could not be delivered yet, their leases, and how
 * many bytes they take. Every method does blocking file I/O and must run on {@code Schedulers.boundedElastic()},
 * never on an event loop or the exporter's worker.
 *
 * <p><b>Files.</b> One file per batch: a small binary header (magic {@code WSP2}, the envelope count, the span
 * index of each envelope) followed by the batch's gzip NDJSON body, exactly as it is posted, so a file is resent
 * without compressing it again. It is written under a temporary name and renamed; names start with the creation
 * time, so name order is age order. Unreadable files are moved aside ({@code .corrupt}) and never retried.
 *
 * <p><b>Leases.</b> A file is leased by holding an exclusive OS file lock on it ({@link FileChannel#tryLock()}), so a
 * lease dies with its process: a crashed process's files are free again at once, for the next process and for a
 * running one, while a file held by a live process (or another exporter in this JVM) is never read twice. A file
 * is locked before its name becomes visible, and deleted before its lock is released; a reader that locks a file
 * checks it still exists. Locks are advisory and need a local file system that honours them.
 *
 * <p><b>Size.</b> Usage is tracked in memory from one listing at start and from this store's own writes and
 * deletes (no listing per write); {@link #sweep} lists again, which also picks up files other processes wrote.
 * The cap is checked before anything is compressed, and again with the exact size before writing.
 *
 * <p>Thread-safe: bounded-elastic threads may call it concurrently; several processes may share the folder.
 */
final class SpillStore {
  private static final Logger logger = LoggerFactory.getLogger(SpillStore.class);
  static final String SUFFIX = ".spill";
  private static final String TEMP = ".tmp";
  private static final String CORRUPT = ".corrupt";
  private static final byte[] MAGIC = {'W', 'S', 'P', '2'};
  private static final int MAX_ENVELOPES = 64_000;
  private static final int MAX_INFLATED_BYTES = 64 * 1024 * 1024;
  private static final long STALE_TEMP_MILLIS = Duration.ofMinutes(10).toMillis();

  /** A file held by this store: its lock (null once given up), name and size. */
  record Lease(String name, Path file, @Nullable FileChannel channel, long size) {}

  /**
   * A file read back, leased: its gzip body (to resend as is) and its envelopes, {@code plain[offsets[i],
   * offsets[i] + lengths[i])} of span {@code spanOf[i]}.
   */
  record Loaded(Lease lease, byte[] body, byte[] plain, int[] offsets, int[] lengths, int[] spanOf) {
    int spans() {
      return spanOf.length == 0 ? 0 : spanOf[spanOf.length - 1] + 1;
    }
  }

  /** What {@link #next} found: a file, or none; {@code heldElsewhere} files exist that others hold now. */
  record Next(@Nullable Loaded loaded, boolean heldElsewhere) {}

  /** A file purged past the retention, with the number of spans it held. */
  record Expired(String name, int spans) {}

  private final Path directory;
  private final long maxBytes;
  private final Duration retention;
  private final Clock clock;
  // Known spill files, by name (oldest first), with their sizes: this store's writes and the last listing. Changed
  // under indexLock together with `used` (their sum); read without it.
  private final ConcurrentSkipListMap<String, Long> files = new ConcurrentSkipListMap<>();
  private final AtomicLong used = new AtomicLong();
  // Bytes being written now, reserved against the cap before the write starts.
  private final AtomicLong writing = new AtomicLong();
  // Set when a write did not fit under the cap; cleared when files go. Until then nothing more is compressed for
  // a folder that cannot take it.
  private volatile boolean full;
  private final Object indexLock = new Object();
  // Files this store holds a lock on.
  private final Set<String> held = ConcurrentHashMap.newKeySet();
  private final AtomicLong sequence = new AtomicLong();
  private volatile boolean disabled;

  SpillStore(Path directory, long maxBytes, Duration retention, Clock clock) {
    this.directory = directory;
    this.maxBytes = maxBytes;
    this.retention = retention;
    this.clock = clock;
    try {
      Files.createDirectories(directory);
      ownerOnly(directory, "rwx------");
      Path probe = Files.createTempFile(directory, "probe", TEMP);
      Files.delete(probe);
      scan();
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

  /** Bytes the known files take. */
  long usedBytes() {
    return used.get();
  }

  /** Whether anything more may be written now: enabled and under the cap. Cheap, no I/O: any thread may ask. */
  boolean hasRoom() {
    return !disabled && !full && used.get() + writing.get() < maxBytes;
  }

  /** Known files that this store does not hold. */
  int waiting() {
    int count = 0;
    for (String name : files.keySet()) {
      if (!held.contains(name)) {
        count++;
      }
    }
    return count;
  }

  /**
   * A new file name: creation time first, so names sort oldest first, then a sequence and a random part. Pure;
   * callers name a file before it is written so that it can be known as theirs before anyone can see it.
   */
  String newName() {
    return String.format("%013d-%06d-%08x", clock.millis(), sequence.incrementAndGet() % 1_000_000,
        ThreadLocalRandom.current().nextInt());
  }

  /**
   * Writes a batch's gzip body with its span table as file {@code name}. With {@code keep}, the file stays leased
   * by this store (the returned lease holds its lock); otherwise it is free for any reader at once. Returns null,
   * having written nothing, when the cap would be exceeded, persistence is off, or the write failed (logged).
   */
  @Nullable Lease write(String name, byte[] body, int[] spanOf, boolean keep) {
    if (disabled) {
      return null;
    }
    long size = MAGIC.length + 4L + 4L * spanOf.length + body.length;
    if (writing.addAndGet(size) + used.get() > maxBytes) {
      writing.addAndGet(-size);
      full = true;
      return null;
    }
    Path temp = directory.resolve(name + TEMP);
    Path file = directory.resolve(name + SUFFIX);
    FileChannel channel = null;
    boolean visible = false;
    try {
      channel = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
          StandardOpenOption.READ), ownerOnlyFile());
      FileLock lock = channel.tryLock();
      if (lock == null) {
        throw new IOException("a new file is locked by someone else: " + temp);
      }
      ByteBuffer header = ByteBuffer.allocate(MAGIC.length + 4 + 4 * spanOf.length);
      header.put(MAGIC).putInt(spanOf.length);
      for (int span : spanOf) {
        header.putInt(span);
      }
      header.flip();
      writeFully(channel, header);
      writeFully(channel, ByteBuffer.wrap(body));
      if (keep) {
        held.add(name); // before the name is visible: our own readers skip it
      }
      synchronized (indexLock) {
        move(temp, file); // the lock stays with the file: it is the same inode under its real name
        visible = true;
        files.put(name, size);
        used.addAndGet(size);
      }
      writing.addAndGet(-size);
      if (keep) {
        return new Lease(name, file, channel, size);
      }
      channel.close();
      return new Lease(name, file, null, size);
    } catch (IOException | RuntimeException e) {
      logger.warn("Cannot write a telemetry spill file in {}", directory, e);
      held.remove(name);
      if (!visible) {
        writing.addAndGet(-size);
        deleteQuietly(temp);
      }
      closeQuietly(channel);
      return null;
    }
  }

  /**
   * Leases and reads the oldest file nobody holds, or returns none. Files that cannot be read are set aside.
   */
  Next next() {
    if (disabled) {
      return new Next(null, false);
    }
    boolean heldElsewhere = false;
    for (Map.Entry<String, Long> entry : files.entrySet()) {
      String name = entry.getKey();
      if (held.contains(name)) {
        continue;
      }
      Lease lease = tryLease(name, entry.getValue());
      if (lease == null) {
        heldElsewhere |= files.containsKey(name);
        continue;
      }
      try {
        return new Next(read(lease), heldElsewhere);
      } catch (IOException | RuntimeException corrupt) {
        setAside(lease, corrupt);
      }
    }
    return new Next(null, heldElsewhere);
  }

  /** Deletes a leased file (delivered, or resolved otherwise), then lets its lock go. */
  void delete(Lease lease) {
    forget(lease);
    try {
      Files.deleteIfExists(lease.file());
    } catch (IOException e) {
      // Some file systems will not delete a file that is open: let go first, then try again.
      closeQuietly(lease.channel());
      deleteQuietly(lease.file());
    }
    closeQuietly(lease.channel());
    held.remove(lease.name());
  }

  /** Gives a leased file back: it stays for a later attempt, by anyone. */
  void release(Lease lease) {
    closeQuietly(lease.channel());
    held.remove(lease.name());
  }

  /**
   * Lists the folder again (usage, and files other processes wrote), purges files past the retention that nobody
   * holds, and deletes temporary files a crashed writer left. Returns the purged files.
   */
  List<Expired> sweep() {
    List<Expired> expired = new ArrayList<>();
    if (disabled) {
      return expired;
    }
    scan();
    long now = clock.millis();
    for (Map.Entry<String, Long> entry : files.entrySet()) {
      String name = entry.getKey();
      if (held.contains(name) || now - createdMillis(name) <= retention.toMillis()) {
        continue;
      }
      Lease lease = tryLease(name, entry.getValue());
      if (lease != null) {
        int spans;
        try {
          spans = read(lease).spans();
        } catch (IOException | RuntimeException unreadable) {
          spans = 0;
        }
        delete(lease);
        expired.add(new Expired(name, spans));
      }
    }
    for (Path stale : list("*" + TEMP)) {
      deleteIfUnlockedAndOlder(stale, STALE_TEMP_MILLIS);
    }
    for (Path corrupt : list("*" + CORRUPT)) {
      deleteIfUnlockedAndOlder(corrupt, retention.toMillis());
    }
    return expired;
  }

  /** Rebuilds the index and usage from a listing; files this store holds stay as they are. */
  private void scan() {
    synchronized (indexLock) { // no write may rename a file into the folder between the listing and the update
      Map<String, Long> found = new java.util.HashMap<>();
      for (Path file : list("*" + SUFFIX)) {
        String name = file.getFileName().toString();
        try {
          found.put(name.substring(0, name.length() - SUFFIX.length()), Files.size(file));
        } catch (IOException goneMeanwhile) {
          // deleted by its reader since the listing
        }
      }
      files.keySet().removeIf(name -> !found.containsKey(name) && !held.contains(name));
      files.putAll(found);
      long total = 0;
      for (long size : files.values()) {
        total += size;
      }
      if (total < used.get()) {
        full = false;
      }
      used.set(total);
    }
  }

  private @Nullable Lease tryLease(String name, long size) {
    Path file = directory.resolve(name + SUFFIX);
    FileChannel channel = null;
    try {
      channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException heldInThisJvm) {
        lock = null;
      }
      if (lock == null) {
        channel.close();
        return null;
      }
      if (!Files.exists(file)) { // its last holder deleted it before letting go
        channel.close();
        forget(name);
        return null;
      }
      held.add(name);
      return new Lease(name, file, channel, size);
    } catch (NoSuchFileException gone) {
      forget(name);
      closeQuietly(channel);
      return null;
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel);
      return null;
    }
  }

  private Loaded read(Lease lease) throws IOException {
    FileChannel channel = lease.channel();
    if (channel == null) {
      throw new IOException("not leased: " + lease.name());
    }
    long size = channel.size();
    if (size > MAX_INFLATED_BYTES) {
      throw new IOException("too large: " + size + " bytes");
    }
    ByteBuffer content = ByteBuffer.allocate((int) size);
    while (content.hasRemaining()) {
      if (channel.read(content, content.position()) < 0) {
        throw new IOException("truncated");
      }
    }
    content.flip();
    return decode(lease, content.array());
  }

  static Loaded decode(Lease lease, byte[] content) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(content);
    byte[] magic = new byte[MAGIC.length];
    if (in.remaining() < MAGIC.length + 4) {
      throw new IOException("no header");
    }
    in.get(magic);
    if (!java.util.Arrays.equals(magic, MAGIC)) {
      throw new IOException("not a spill file");
    }
    int count = in.getInt();
    if (count <= 0 || count > MAX_ENVELOPES || in.remaining() < 4L * count) {
      throw new IOException("bad envelope count " + count);
    }
    int[] spanOf = new int[count];
    for (int i = 0; i < count; i++) {
      spanOf[i] = in.getInt();
      int previous = i == 0 ? 0 : spanOf[i - 1];
      if (spanOf[i] < previous || spanOf[i] > previous + 1 || (i == 0 && spanOf[0] != 0)) {
        throw new IOException("bad span table at " + i);
      }
    }
    byte[] body = java.util.Arrays.copyOfRange(content, in.position(), content.length);
    byte[] plain = inflate(body);
    int[] offsets = new int[count];
    int[] lengths = new int[count];
    int found = 0;
    int start = 0;
    for (int i = 0; i <= plain.length; i++) {
      if (i == plain.length || plain[i] == '\n') {
        if (i > start) {
          if (found == count) {
            throw new IOException("more envelopes than the header says");
          }
          offsets[found] = start;
          lengths[found] = i - start;
          found++;
        }
        start = i + 1;
      }
    }
    if (found != count) {
      throw new IOException("header says " + count + " envelopes, the body holds " + found);
    }
    return new Loaded(lease, body, plain, offsets, lengths, spanOf);
  }

  private static byte[] inflate(byte[] body) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body), 8192)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(256, body.length * 8));
      byte[] chunk = new byte[16 * 1024];
      int n;
      while ((n = in.read(chunk)) > 0) {
        if (out.size() + n > MAX_INFLATED_BYTES) {
          throw new IOException("inflates to more than " + MAX_INFLATED_BYTES + " bytes");
        }
        out.write(chunk, 0, n);
      }
      return out.toByteArray();
    }
  }

  private void setAside(Lease lease, Exception why) {
    logger.warn("Spill file {} cannot be read; moved aside and not retried", lease.file(), why);
    forget(lease);
    try {
      move(lease.file(), lease.file().resolveSibling(lease.file().getFileName() + CORRUPT));
    } catch (IOException e) {
      deleteQuietly(lease.file());
    }
    release(lease);
  }

  private void forget(Lease lease) {
    forget(lease.name());
  }

  private void forget(String name) {
    synchronized (indexLock) {
      Long size = files.remove(name);
      if (size != null) {
        used.addAndGet(-size);
        full = false;
      }
    }
  }

  private void deleteIfUnlockedAndOlder(Path file, long ageMillis) {
    try {
      if (clock.millis() - Files.getLastModifiedTime(file).toMillis() <= ageMillis) {
        return;
      }
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        FileLock lock = channel.tryLock();
        if (lock != null) {
          Files.deleteIfExists(file);
        }
      } catch (OverlappingFileLockException heldInThisJvm) {
        // being written by this process
      }
    } catch (IOException goneOrUnreadable) {
      // nothing to do
    }
  }

  private List<Path> list(String glob) {
    List<Path> result = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, glob)) {
      stream.forEach(result::add);
    } catch (IOException e) {
      return List.of();
    }
    return result;
  }

  private static long createdMillis(String name) {
    try {
      return Long.parseLong(name.substring(0, 13));
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    } catch (FileAlreadyExistsException e) {
      throw new IOException("name taken: " + to, e);
    }
  }

  private static FileAttribute<?>[] ownerOnlyFile() {
    try {
      if (java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Set<PosixFilePermission> permissions = PosixFilePermissions.fromString("rw-------");
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)};
      }
    } catch (RuntimeException e) {
      // fall through: the directory's defaults
    }
    return new FileAttribute<?>[0];
  }

  private static void ownerOnly(Path path, String permissions) {
    try {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
    } catch (UnsupportedOperationException | IOException e) {
      // Not a POSIX file system: rely on the directory's defaults.
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // nothing more to do
    }
  }

  private static void closeQuietly(@Nullable FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // the lock goes with the channel either way
      }
    }
  }

  @Override
  public String toString() {
    return "SpillStore{" + directory + (disabled ? ", disabled" : "") + "}";
  }
}
