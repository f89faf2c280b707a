package io.weft.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LineCounterTest {
  @Test
  void findsEveryNewlinePositionInAndAcrossWords() {
    for (int length = 0; length <= 40; length++) {
      for (int at = 0; at < length; at++) {
        byte[] bytes = new byte[length];
        java.util.Arrays.fill(bytes, (byte) 'x');
        bytes[at] = '\n';
        for (int from = 0; from <= at; from++) {
          assertThat(LineCounter.indexOfNewline(bytes, from, length)).as("length %d at %d from %d", length, at, from)
              .isEqualTo(at);
        }
        assertThat(LineCounter.indexOfNewline(bytes, at + 1, length)).isEqualTo(-1);
        assertThat(LineCounter.indexOfNewline(bytes, 0, at)).isEqualTo(-1);
      }
    }
  }

  @Test
  void bytesThatLookLikeANewlineToCarelessBitTricksAreNotOne() {
    // Each differs from '\n' in a bit or two: 0x8B fools a test that forgets "& ~word", 0x08 one that forgets to
    // keep only each byte's high bit.
    byte[] bytes = {0x0B, (byte) 0x8B, 0x08, (byte) 0x8A, 0x4A, 0x1A, 0x2A, 0x0E, 0x0A};
    assertThat(LineCounter.indexOfNewline(bytes, 0, bytes.length)).isEqualTo(8);
  }

  @Test
  void countsTheSameLinesAsTheObviousLoopWhateverTheChunking() {
    Random random = new Random(20261126);
    String[] pieces = {"{\"a\":1}", "{\"name\":\"" + "x".repeat(37) + "\"}", " ", "\t", "\r", "\n", "\r\n", "\n\n", "[",
        "é", "]"};
    for (int round = 0; round < 3_000; round++) {
      StringBuilder text = new StringBuilder();
      int parts = random.nextInt(60);
      for (int i = 0; i < parts; i++) {
        text.append(pieces[random.nextInt(pieces.length)]);
      }
      byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
      LineCounter counter = new LineCounter();
      boolean lines = true;
      int at = 0;
      while (at < body.length && lines) {
        int end = Math.min(body.length, at + 1 + random.nextInt(20));
        lines = counter.feed(body, at, end);
        at = end;
      }
      String expected = text.toString().strip();
      if (expected.startsWith("[")) {
        assertThat(lines).as("array: %s", text).isFalse();
      } else {
        assertThat(lines).isTrue();
        assertThat(counter.finish()).as("%s", text).isEqualTo(obviousCount(text.toString()));
      }
    }
  }

  private static int obviousCount(String text) {
    int n = 0;
    for (String line : text.split("\n", -1)) {
      if (!line.replace(" ", "").replace("\t", "").replace("\r", "").isEmpty()) {
        n++;
      }
    }
    return n;
  }
}
