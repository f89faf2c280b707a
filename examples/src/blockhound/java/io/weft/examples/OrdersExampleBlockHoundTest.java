package io.weft.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.BlockHoundExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The example's handlers, the load generator, tracing and the exporter never block a Netty or Reactor thread while
 * the example runs (only {@code main}, here the test thread, waits).
 */
@ExtendWith(BlockHoundExtension.class)
class OrdersExampleBlockHoundTest {
  @Test
  void theExampleNeverBlocksItsEventLoops() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    OrdersExample.Result result = OrdersExample.run(
        new OrdersExample.Options(100, 400, Duration.ofSeconds(30), null, null, false, "vertx", "reactor-netty"),
        new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String output = bytes.toString(StandardCharsets.UTF_8);
    assertThat(BlockHoundExtension.takeDetected()).as("also those whose error a library caught and logged").isEmpty();
    assertThat(result.summary().problems()).as(output).isEmpty();
    assertThat(result.metrics().delivered()).isEqualTo(OrdersExampleTest.expectedSpans(100));
  }
}
