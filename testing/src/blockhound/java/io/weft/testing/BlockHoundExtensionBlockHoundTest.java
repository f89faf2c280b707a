package io.weft.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** The extension itself: BlockHound is active, and a blocking call whose error was swallowed is still reported. */
@ExtendWith(BlockHoundExtension.class)
class BlockHoundExtensionBlockHoundTest {

  @Test
  void aBlockingCallWhoseErrorIsSwallowedIsStillDetected() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<Throwable> swallowed = new AtomicReference<>();
    Schedulers.parallel().schedule(() -> {
      try {
        Thread.sleep(1);
      } catch (Throwable e) { // as a library that catches everything and only logs it would
        swallowed.set(e);
      } finally {
        done.countDown();
      }
    });

    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(swallowed.get()).hasMessageContaining("Blocking call");
    assertThat(BlockHoundExtension.takeDetected()).singleElement().asString()
        .contains("java.lang.Thread.sleep").contains("parallel");
  }

  @Test
  void blockingOffTheNonBlockingThreadsIsAllowed() throws InterruptedException {
    Thread.sleep(1);
    String outcome = Mono.fromCallable(() -> {
      Thread.sleep(1);
      return "slept";
    }).subscribeOn(Schedulers.boundedElastic()).block(Duration.ofSeconds(10));

    assertThat(outcome).isEqualTo("slept");
    assertThat(BlockHoundExtension.takeDetected()).isEmpty();
  }
}
