package io.weft.exporter.azure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BatchTest {

  /** Envelopes "a", "bb", "ccc", "dddd" laid out as encoded (newline after each); spans 0, 0, 1, 2. */
  static Batch batch() {
    byte[] data = "a\nbb\nccc\ndddd\n".getBytes(StandardCharsets.UTF_8);
    return new Batch(data, new int[] {0, 2, 5, 9}, new int[] {1, 2, 3, 4}, new int[] {0, 0, 1, 2}, 4, false);
  }

  static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Test
  void aSpanIsDeliveredWhenItsLastEnvelopeIsAccepted() {
    Batch batch = batch();
    assertThat(batch.spans()).isEqualTo(3);
    assertThat(batch.unresolvedSpans()).isEqualTo(3);
    assertThat(batch.bytes()).isEqualTo(14);
    assertThat(batch.accept(0)).isFalse();
    assertThat(batch.accept(1)).as("both envelopes of span 0").isTrue();
    assertThat(batch.accept(1)).as("once").isFalse();
    assertThat(batch.unresolvedSpans()).isEqualTo(2);
  }

  @Test
  void aSpanIsDroppedOnce() {
    Batch batch = batch();
    assertThat(batch.drop(0)).isTrue();
    assertThat(batch.drop(1)).as("its other envelope").isFalse();
    assertThat(batch.accept(1)).as("a dropped span is never delivered").isFalse();
    assertThat(batch.resolved(1)).isTrue();
    assertThat(batch.unresolvedSpans()).isEqualTo(2);
  }

  @Test
  void retainKeepsOnlyWhatIsResentOfUnresolvedSpans() {
    Batch batch = batch();
    batch.body = new byte[] {1};
    batch.leaseCurrent = true;
    batch.drop(0);
    batch.retainUnresolved(new boolean[] {true, true, false, true});
    assertThat(batch.texts()).containsExactly("dddd");
    assertThat(batch.bytes()).isEqualTo(5);
    assertThat(batch.body).as("no longer the body of its envelopes").isNull();
    assertThat(batch.leaseCurrent).isFalse();
    assertThat(batch.spanTable()).containsExactly(0);
  }

  @Test
  void gzipBodyIsTheEnvelopesNewlineSeparatedWhetherContiguousOrNot() {
    Gzip gzip = new Gzip(1);
    try {
      Batch batch = batch();
      assertThat(FakeSender.envelopes(gzip.compress(batch))).containsExactly("a", "bb", "ccc", "dddd");
      batch.retainUnresolved(new boolean[] {true, false, false, true});
      assertThat(FakeSender.envelopes(gzip.compress(batch))).containsExactly("a", "dddd");
      assertThat(batch.spanTable()).containsExactly(0, 1);
    } finally {
      gzip.end();
    }
  }
}
