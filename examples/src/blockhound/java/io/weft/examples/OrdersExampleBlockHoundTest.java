package io.weft.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The example's handlers, the load generator, tracing and the exporter never block a Netty or Reactor thread while
 * the example runs (only {@code main}, here the test thread, waits).
 */
class OrdersExampleBlockHoundTest {

  /** Every blocking call BlockHound saw, also those whose error a library caught and only logged. */
  static final List<String> detected = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void install() {
    BlockHound.install(builder -> builder.blockingMethodCallback(method -> {
      detected.add(method + " on " + Thread.currentThread().getName());
      throw new BlockingOperationError(method);
    }));
  }

  @Test
  void blockHoundIsActive() {
    assertThatThrownBy(() -> Mono.fromCallable(() -> {
      Thread.sleep(1);
      return 1;
    }).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(5))).hasMessageContaining("Blocking call");
  }

  @Test
  void theExampleNeverBlocksItsEventLoops() {
    detected.clear(); // blockHoundIsActive's, if it ran first
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    OrdersExample.Result result = OrdersExample.run(
        new OrdersExample.Options(100, 400, Duration.ofSeconds(30), null, null, false, "vertx"),
        new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String output = bytes.toString(StandardCharsets.UTF_8);
    assertThat(detected).isEmpty();
    assertThat(result.summary().problems()).as(output).isEmpty();
    assertThat(result.metrics().delivered()).isEqualTo(660);
  }
}
