package io.weft.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RecentTextsTest {
  @Test
  void anEqualTextComesBackAsTheSameStringUntilItsSlotIsTaken() {
    RecentTexts texts = new RecentTexts(1, 64); // one slot: every text collides
    String first = texts.get(new StringBuilder("{\"find\": \"orders\"}"));

    assertThat(texts.get(new StringBuilder("{\"find\": \"orders\"}"))).isSameAs(first);
    String other = texts.get(new StringBuilder("{\"find\": \"carts\"}"));
    assertThat(other).isEqualTo("{\"find\": \"carts\"}");
    assertThat(texts.get(new StringBuilder("{\"find\": \"orders\"}")))
        .as("replaced by the collision: equal text, new string").isEqualTo(first).isNotSameAs(first);
  }

  @Test
  void aTextLongerThanTheLimitIsNeverKept() {
    RecentTexts texts = new RecentTexts(8, 4);
    String first = texts.get(new StringBuilder("abcde"));

    assertThat(first).isEqualTo("abcde");
    assertThat(texts.get(new StringBuilder("abcde"))).isEqualTo(first).isNotSameAs(first);
    assertThat(texts.get(new StringBuilder("abcd"))).isSameAs(texts.get(new StringBuilder("abcd")));
  }

  @Test
  void theSlotCountIsAPowerOfTwo() {
    assertThatThrownBy(() -> new RecentTexts(12, 10)).isInstanceOf(IllegalArgumentException.class);
  }
}
