package io.weft.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.endpoint.TelemetryItem;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The example with {@code --inventory reactor-netty}: the inventory service on reactor-netty instead of Vert.x gives
 * the same telemetry shape (checked in full by {@link OrdersExampleTest} for the default).
 */
class ReactorNettyInventoryTest {

  @Test
  void sameTraceShapeWithTheReactorNettyInventory() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    OrdersExample.Result result = OrdersExample.run(
        new OrdersExample.Options(60, 400, Duration.ofSeconds(30), null, null, false, "reactor-netty",
            "reactor-netty"),
        new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String output = bytes.toString(StandardCharsets.UTF_8);
    assertThat(result.ok()).as(output).isTrue();
    Map<String, TelemetryItem> byId = result.received().stream().filter(i -> i.id() != null)
        .collect(Collectors.toMap(TelemetryItem::id, Function.identity()));
    List<TelemetryItem> reserves = result.received().stream()
        .filter(i -> i.type().equals("Request") && "inventory".equals(i.tag("ai.cloud.role"))).toList();
    assertThat(reserves).isNotEmpty().allSatisfy(reserve -> {
      assertThat(reserve.name()).isEqualTo("POST /reserve");
      TelemetryItem call = byId.get(reserve.parentId());
      assertThat(call).isNotNull();
      assertThat(call.field("type")).isEqualTo("Http");
      assertThat(call.operationId()).isEqualTo(reserve.operationId());
    });
  }
}
