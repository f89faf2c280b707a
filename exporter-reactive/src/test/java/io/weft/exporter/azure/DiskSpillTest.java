package io.weft.exporter.azure;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskSpillTest {
  static final URI URL = URI.create("http://127.0.0.1:1/v2.1/track");
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

  DiskSpill spill(long maxBytes) {
    return new DiskSpill(dir.resolve("spill"), maxBytes, Duration.ofHours(48), Duration.ofMinutes(2), clock);
  }

  static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  static List<byte[]> envelopes(String... texts) {
    return java.util.Arrays.stream(texts).map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
  }

  @Test
  void writesReadsOldestFirstAndDeletes() throws Exception {
    DiskSpill disk = spill(1 << 20);
    assertThat(disk.enabled()).isTrue();
    assertThat(disk.write(disk.newName(), URL, envelopes("{\"a\":1}", "{\"b\":2}", "{\"c\":3}"), new int[] {0, 0, 1})).isNotNull();
    now.addAndGet(5);
    assertThat(disk.write(disk.newName(), URL, envelopes("{\"d\":4}"), new int[] {0})).isNotNull();
    DiskSpill.Loaded first = disk.next();
    assertThat(first).isNotNull();
    assertThat(first.url()).isEqualTo(URL);
    assertThat(first.envelopes()).extracting(DiskSpillTest::text).containsExactly("{\"a\":1}", "{\"b\":2}", "{\"c\":3}");
    assertThat(first.spanOfEnvelope()).containsExactly(0, 0, 1);
    assertThat(first.spans()).isEqualTo(2);
    DiskSpill.Loaded second = disk.next();
    assertThat(second.envelopes()).extracting(DiskSpillTest::text).containsExactly("{\"d\":4}");
    assertThat(disk.next()).as("both are leased: one sender per file").isNull();
    disk.delete(first.leased());
    disk.release(second.leased());
    assertThat(disk.waiting()).hasSize(1);
    assertThat(disk.next().envelopes()).hasSize(1);
  }

  @Test
  void filesAndDirectoryAreOwnerOnly() throws Exception {
    DiskSpill disk = spill(1 << 20);
    Path file = disk.write(disk.newName(), URL, envelopes("{}"), new int[] {0});
    assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
        PosixFilePermission.OWNER_WRITE);
    assertThat(Files.getPosixFilePermissions(disk.directory())).containsExactlyInAnyOrder(
        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
  }

  @Test
  void capIsEnforced() {
    DiskSpill disk = spill(300);
    assertThat(disk.write(disk.newName(), URL, envelopes("{\"x\":\"" + "y".repeat(50) + "\"}"), new int[] {0})).isNotNull();
    byte[] noise = new byte[15_000];
    new java.util.Random(1).nextBytes(noise);
    String big = "{\"x\":\"" + java.util.Base64.getEncoder().encodeToString(noise) + "\"}";
    assertThat(disk.write(disk.newName(), URL, envelopes(big), new int[] {0})).as("incompressible, over the cap").isNull();
    assertThat(disk.waiting()).hasSize(1);
  }

  @Test
  void corruptFilesAreSetAsideNotRetried() throws Exception {
    DiskSpill disk = spill(1 << 20);
    Files.write(disk.directory().resolve("0000000000001-000001-00000000.spill"), new byte[] {1, 2, 3});
    disk.write(disk.newName(), URL, envelopes("{}"), new int[] {0});
    DiskSpill.Loaded loaded = disk.next();
    assertThat(loaded).isNotNull();
    assertThat(disk.files(".corrupt")).hasSize(1);
    assertThat(disk.next()).isNull();
  }

  @Test
  void sweepPurgesExpiredFilesAndReturnsCrashedLeases() throws Exception {
    DiskSpill disk = spill(1 << 20);
    disk.write(disk.newName(), URL, envelopes("{}", "{}"), new int[] {0, 1});
    now.addAndGet(Duration.ofHours(1).toMillis());
    disk.write(disk.newName(), URL, envelopes("{}"), new int[] {0});
    DiskSpill.Loaded leased = disk.next(); // the older one, now leased by a sender that then "crashes"
    Files.setLastModifiedTime(leased.leased(), FileTime.fromMillis(now.get() - Duration.ofMinutes(5).toMillis()));
    now.addAndGet(Duration.ofHours(47).plusMinutes(30).toMillis());
    assertThat(disk.sweep(file -> false)).as("nothing past 48 h yet").isZero();
    assertThat(disk.waiting()).as("the crashed lease is back").hasSize(2);
    now.addAndGet(Duration.ofMinutes(10).toMillis());
    assertThat(disk.sweep(file -> false)).as("the first file (2 spans) expired").isEqualTo(2);
    assertThat(disk.waiting()).hasSize(1);
  }

  @Test
  void unwritableDirectoryTurnsPersistenceOffWithoutThrowing() throws Exception {
    Path file = dir.resolve("a-file");
    Files.writeString(file, "not a directory");
    DiskSpill disk = new DiskSpill(file.resolve("spill"), 1 << 20, Duration.ofHours(1), Duration.ofMinutes(1), clock);
    assertThat(disk.enabled()).isFalse();
    assertThat(disk.write(disk.newName(), URL, envelopes("{}"), new int[] {0})).isNull();
    assertThat(disk.next()).isNull();
    assertThat(Set.of(disk.sweep(p -> false))).containsExactly(0);
  }
}
