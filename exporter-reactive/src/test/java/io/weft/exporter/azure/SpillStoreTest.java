package io.weft.exporter.azure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpillStoreTest {
  @TempDir Path dir;
  final AtomicLong now = new AtomicLong(1_700_000_000_000L);
  final Clock clock = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(now.get());
    }
  };
  final Gzip gzip = new Gzip(1);

  SpillStore store(long maxBytes) {
    return new SpillStore(dir.resolve("spill"), maxBytes, Duration.ofHours(48), clock);
  }

  /** A batch of the given envelopes, one span each except where {@code spanOf} says otherwise. */
  static Batch batch(int[] spanOf, String... envelopes) {
    StringBuilder text = new StringBuilder();
    int[] offsets = new int[envelopes.length];
    int[] lengths = new int[envelopes.length];
    for (int i = 0; i < envelopes.length; i++) {
      offsets[i] = text.length();
      lengths[i] = envelopes[i].length();
      text.append(envelopes[i]).append('\n');
    }
    return new Batch(text.toString().getBytes(StandardCharsets.US_ASCII), offsets, lengths, spanOf,
        envelopes.length, false);
  }

  SpillStore.Lease write(SpillStore store, boolean keep, int[] spanOf, String... envelopes) {
    Batch batch = batch(spanOf, envelopes);
    return store.write(store.newName(), gzip.compress(batch), batch.spanTable(), keep);
  }

  static List<String> envelopes(SpillStore.Loaded loaded) {
    return java.util.stream.IntStream.range(0, loaded.offsets().length)
        .mapToObj(i -> new String(loaded.plain(), loaded.offsets()[i], loaded.lengths()[i], StandardCharsets.UTF_8))
        .toList();
  }

  long filesIn(String glob) throws Exception {
    try (Stream<Path> files = Files.list(dir.resolve("spill"))) {
      return files.filter(f -> f.getFileSystem().getPathMatcher("glob:" + glob).matches(f.getFileName())).count();
    }
  }

  @Test
  void writesAndReadsBackOldestFirstThenDeletes() throws Exception {
    SpillStore store = store(1 << 20);
    assertThat(store.enabled()).isTrue();
    write(store, false, new int[] {0, 0, 1}, "{\"a\":1}", "{\"b\":2}", "{\"c\":3}");
    now.addAndGet(5);
    write(store, false, new int[] {0}, "{\"d\":4}");
    SpillStore.Loaded first = store.next().loaded();
    assertThat(envelopes(first)).containsExactly("{\"a\":1}", "{\"b\":2}", "{\"c\":3}");
    assertThat(first.spanOf()).containsExactly(0, 0, 1);
    assertThat(first.spans()).isEqualTo(2);
    assertThat(FakeSender.envelopes(first.body())).as("the body is resent as it is").hasSize(3);
    SpillStore.Loaded second = store.next().loaded();
    assertThat(envelopes(second)).containsExactly("{\"d\":4}");
    assertThat(store.next().loaded()).as("both are leased: one reader per file").isNull();
    store.delete(first.lease());
    store.release(second.lease());
    assertThat(filesIn("*.spill")).isEqualTo(1);
    assertThat(envelopes(store.next().loaded())).containsExactly("{\"d\":4}");
  }

  @Test
  void aKeptFileIsNeverReadWhileHeld() {
    SpillStore store = store(1 << 20);
    SpillStore.Lease kept = write(store, true, new int[] {0}, "{}");
    assertThat(kept.channel()).isNotNull();
    assertThat(store.next().loaded()).isNull();
    SpillStore other = store(1 << 20); // another exporter in this JVM, on the same folder
    SpillStore.Next next = other.next();
    assertThat(next.loaded()).isNull();
    assertThat(next.heldElsewhere()).isTrue();
    store.release(kept);
    assertThat(other.next().loaded()).as("free once released").isNotNull();
  }

  @Test
  void aFileLockedByAnotherHolderIsSkippedUntilItLetsGo() throws Exception {
    SpillStore store = store(1 << 20);
    write(store, false, new int[] {0}, "{\"old\":1}");
    now.addAndGet(5);
    write(store, false, new int[] {0}, "{\"new\":1}");
    Path oldest;
    try (Stream<Path> files = Files.list(dir.resolve("spill"))) {
      oldest = files.filter(f -> f.toString().endsWith(".spill")).sorted().findFirst().orElseThrow();
    }
    try (FileChannel channel = FileChannel.open(oldest, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock = channel.lock()) {
      assertThat(lock.isValid()).isTrue();
      SpillStore.Next next = store.next();
      assertThat(envelopes(next.loaded())).containsExactly("{\"new\":1}");
      assertThat(next.heldElsewhere()).isTrue();
    }
    assertThat(envelopes(store.next().loaded())).containsExactly("{\"old\":1}");
  }

  @Test
  void filesAndFolderAreOwnerOnly() throws Exception {
    SpillStore store = store(1 << 20);
    SpillStore.Lease lease = write(store, false, new int[] {0}, "{}");
    assertThat(Files.getPosixFilePermissions(lease.file())).containsExactlyInAnyOrder(
        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(Files.getPosixFilePermissions(store.directory())).containsExactlyInAnyOrder(
        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
  }

  @Test
  void theCapIsKeptInMemoryAndCheckedBeforeEachWrite() {
    SpillStore store = store(300);
    SpillStore.Lease small = write(store, false, new int[] {0}, "{\"x\":\"" + "y".repeat(50) + "\"}");
    assertThat(small).isNotNull();
    assertThat(store.usedBytes()).isEqualTo(small.size());
    assertThat(store.hasRoom()).isTrue();
    byte[] noise = new byte[1_000];
    new java.util.Random(1).nextBytes(noise);
    String big = "{\"x\":\"" + java.util.Base64.getEncoder().encodeToString(noise) + "\"}";
    assertThat(write(store, false, new int[] {0}, big)).as("incompressible, over the cap").isNull();
    assertThat(store.usedBytes()).isEqualTo(small.size());
    store.delete(store.next().loaded().lease());
    assertThat(store.usedBytes()).isZero();
  }

  @Test
  void corruptFilesAreSetAsideNotRetried() throws Exception {
    SpillStore store = store(1 << 20);
    Files.write(store.directory().resolve("0000000000001-000001-00000000.spill"), new byte[] {1, 2, 3});
    write(store, false, new int[] {0}, "{}");
    SpillStore fresh = store(1 << 20); // lists the folder, so it knows the corrupt file
    assertThat(fresh.next().loaded()).isNotNull();
    assertThat(filesIn("*.corrupt")).isEqualTo(1);
    assertThat(fresh.next().loaded()).isNull();
  }

  @Test
  void sweepPurgesExpiredFilesAndFindsOtherWriters() throws Exception {
    SpillStore store = store(1 << 20);
    write(store, false, new int[] {0, 1}, "{}", "{}");
    now.addAndGet(Duration.ofHours(1).toMillis());
    SpillStore other = store(1 << 20);
    write(other, false, new int[] {0}, "{}"); // written by another process, say: unknown to `store`
    assertThat(store.waiting()).isEqualTo(1);
    now.addAndGet(Duration.ofHours(46).plusMinutes(30).toMillis());
    assertThat(store.sweep()).as("nothing past 48 h yet").isEmpty();
    assertThat(store.waiting()).as("the listing found the other writer's file").isEqualTo(2);
    now.addAndGet(Duration.ofMinutes(40).toMillis());
    List<SpillStore.Expired> expired = store.sweep();
    assertThat(expired).extracting(SpillStore.Expired::spans).containsExactly(2);
    assertThat(store.waiting()).isEqualTo(1);
  }

  @Test
  void sweepDeletesTemporaryFilesACrashedWriterLeft() throws Exception {
    SpillStore store = store(1 << 20);
    Path temp = store.directory().resolve("0000000000001-000001-00000000.tmp");
    Files.write(temp, new byte[] {1});
    Files.setLastModifiedTime(temp, java.nio.file.attribute.FileTime.fromMillis(now.get() - 3_600_000));
    store.sweep();
    assertThat(temp).doesNotExist();
  }

  @Test
  void unwritableDirectoryTurnsPersistenceOffWithoutThrowing() throws Exception {
    Path file = dir.resolve("a-file");
    Files.writeString(file, "not a directory");
    SpillStore store = new SpillStore(file.resolve("spill"), 1 << 20, Duration.ofHours(1), clock);
    assertThat(store.enabled()).isFalse();
    assertThat(store.hasRoom()).isFalse();
    assertThat(write(store, false, new int[] {0}, "{}")).isNull();
    assertThat(store.next().loaded()).isNull();
    assertThat(store.sweep()).isEmpty();
  }
}
