package io.weft.core.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.core.SpanContext;
import io.weft.core.SpanKind;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SamplerTest {

  // Vectors from the Application Insights Java SDK's SamplingScoreGeneratorV2 tests (getSamplingHashCode).
  @ParameterizedTest
  @CsvSource({
      "ss,1179811869", "kxi,168993463", "wr,1281077591", "ynehgfhyuiltaiqovbpyhpm,2139623659",
      "iaxxtklcw,1941943012", "hjwvqjiiwhoxrtsjma,1824011880", "rpiauyg,251412007", "jekvjvh,9189387",
      "hq,1807146729", "kgqxrftjhefkwlufcxibwjcy,270215819", "lkfc,1228617029", "skrnpybqqu,223230949",
      "px,70671963", "dtn,2050473033", "nqfcxobaequ,397313566", "togxlt,948170633",
      "jvvdkhnahkaujxarkd,1486894898", "mcloukvkamiaqja,56804453", "ornuu,1588005865",
      "otodvlhtvu,1544494884", "uhpwhasnvmnykjkitla,981289895", "itbnryqnjcgpmjemdghqtg,1469591400",
      "wauetkdnivwlafbfhiedsfx,2114415420", "fniwmeidbvd,508699380", "vuwdgoxspstvj,1821547235",
      "y,1406544563", "pceqcixfb,1282453766", "aentke,255756533", "ni,1696510239", "lbwehevltlnl,1466602040",
      "ymxql,1974582171", "mvqbaosfuip,1560556398", "urmwofajwmmlornynglm,701710403",
      "buptyvonyacerrt,1315240646", "cxsqcnyieliatqnwc,76148095", "svvco,1849105799",
      "luwmjhwyt,553630912", "lisvmmug,822987687", "mmntilfbmxwuyij,882214597", "hqmyv,1510970959",
  })
  void samplingHashMatchesApplicationInsights(String input, int expected) {
    assertThat(SamplingScore.hashCode(input)).isEqualTo(expected);
  }

  @Test
  void scoreOfTraceIdHalvesEqualsScoreOfItsHexString() {
    for (int i = 0; i < 1000; i++) {
      long high = ThreadLocalRandom.current().nextLong();
      long low = ThreadLocalRandom.current().nextLong();
      String hex = String.format("%016x%016x", high, low);
      assertThat(SamplingScore.score(high, low)).isEqualTo(SamplingScore.score(hex));
    }
    assertThat(SamplingScore.score(0x0af7651916cd43ddL, 0x8448eb211c80319cL))
        .isCloseTo(100.0 * 1133633597 / Integer.MAX_VALUE, org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void probabilityIsADeterministicFunctionOfTheTraceId() {
    Sampler a = Sampler.probability(0.3);
    Sampler b = Sampler.percentage(30);
    for (int i = 0; i < 1000; i++) {
      long high = ThreadLocalRandom.current().nextLong();
      long low = ThreadLocalRandom.current().nextLong();
      boolean expected = SamplingScore.score(high, low) < 30.0;
      assertThat(a.shouldSample(null, high, low, "x", SpanKind.INTERNAL)).isEqualTo(expected);
      assertThat(b.shouldSample(null, high, low, "y", SpanKind.SERVER)).isEqualTo(expected);
    }
    assertThat(a.samplingPercentage()).isEqualTo(30.0);
  }

  @Test
  void probabilityKeepsAboutThatFraction() {
    Sampler sampler = Sampler.probability(0.25);
    java.util.SplittableRandom random = new java.util.SplittableRandom(42);
    int kept = 0;
    int n = 100_000;
    for (int i = 0; i < n; i++) {
      if (sampler.shouldSample(null, random.nextLong(), random.nextLong(), "x", SpanKind.INTERNAL)) {
        kept++;
      }
    }
    assertThat((double) kept / n).isBetween(0.24, 0.26);
  }

  @Test
  void probabilityBoundsAndValidation() {
    assertThat(Sampler.probability(1.0).shouldSample(null, 1, 1, "x", SpanKind.INTERNAL)).isTrue();
    assertThat(Sampler.probability(0.0).shouldSample(null, 1, 1, "x", SpanKind.INTERNAL)).isFalse();
    assertThatThrownBy(() -> Sampler.probability(1.5)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("probability must be within [0, 1]: 1.5");
    assertThatThrownBy(() -> Sampler.probability(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Sampler.percentage(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sampling percentage must be within [0, 100]: -1.0");
  }

  @Test
  void parentBasedFollowsParentsFlagLocalOrRemote() {
    Sampler sampler = Sampler.parentBased(Sampler.alwaysOff());
    SpanContext sampledRemote = SpanContext.createRemote(1, 2, 3, true, null);
    SpanContext unsampledRemote = SpanContext.createRemote(1, 2, 3, false, null);
    assertThat(sampler.shouldSample(sampledRemote, 1, 2, "x", SpanKind.SERVER)).isTrue();
    assertThat(sampler.shouldSample(unsampledRemote, 1, 2, "x", SpanKind.SERVER)).isFalse();
    assertThat(sampler.shouldSample(null, 1, 2, "x", SpanKind.SERVER)).isFalse();
    assertThat(Sampler.parentBased(Sampler.alwaysOn()).shouldSample(unsampledRemote, 1, 2, "x", SpanKind.SERVER))
        .isFalse();
    assertThat(sampler.followsUnsampledParent()).isTrue();
    assertThat(Sampler.parentBased(sampler)).isSameAs(sampler);
    assertThat(Sampler.parentBased(Sampler.percentage(10)).description())
        .isEqualTo("ParentBased{Probability{10.0%}}");
  }

  @Test
  void rateLimitedAllowsAtMostNPerSecond() {
    AtomicLong now = new AtomicLong(1_000_000_000_000L);
    RateLimitingSampler sampler = new RateLimitingSampler(10, now::get);
    int kept = 0;
    for (int i = 0; i < 100; i++) {
      if (sampler.shouldSample(null, 1, 2, "x", SpanKind.SERVER)) {
        kept++;
      }
    }
    assertThat(kept).as("a full bucket holds one second's worth").isEqualTo(10);
    now.addAndGet(100_000_000L); // 100 ms: one more token
    assertThat(sampler.shouldSample(null, 1, 2, "x", SpanKind.SERVER)).isTrue();
    assertThat(sampler.shouldSample(null, 1, 2, "x", SpanKind.SERVER)).isFalse();
    now.addAndGet(60_000_000_000L); // a minute idle banks at most one second's worth
    kept = 0;
    for (int i = 0; i < 100; i++) {
      if (sampler.shouldSample(null, 1, 2, "x", SpanKind.SERVER)) {
        kept++;
      }
    }
    assertThat(kept).isEqualTo(10);
  }

  @Test
  void rateLimitedIsExactUnderConcurrency() throws Exception {
    AtomicLong now = new AtomicLong(5_000_000_000L);
    RateLimitingSampler sampler = new RateLimitingSampler(1000, now::get);
    java.util.concurrent.atomic.AtomicInteger kept = new java.util.concurrent.atomic.AtomicInteger();
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        for (int i = 0; i < 10_000; i++) {
          if (sampler.shouldSample(null, 1, 2, "x", SpanKind.SERVER)) {
            kept.incrementAndGet();
          }
        }
      });
      threads[t].start();
    }
    for (Thread thread : threads) {
      thread.join(10_000);
    }
    assertThat(kept.get()).isEqualTo(1000);
  }

  @Test
  void rateLimitedZeroKeepsNothingAndValidates() {
    assertThat(Sampler.rateLimited(0).shouldSample(null, 1, 2, "x", SpanKind.SERVER)).isFalse();
    assertThatThrownBy(() -> Sampler.rateLimited(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tracesPerSecond");
  }

  @Test
  void constantSamplers() {
    assertThat(Sampler.alwaysOn().shouldSample(null, 1, 2, "x", SpanKind.SERVER)).isTrue();
    assertThat(Sampler.alwaysOff().shouldSample(null, 1, 2, "x", SpanKind.SERVER)).isFalse();
  }
}
