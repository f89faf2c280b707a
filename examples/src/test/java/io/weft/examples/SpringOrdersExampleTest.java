package io.weft.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.endpoint.TelemetryItem;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Hooks;

/**
 * The example with {@code --orders spring}: the orders service as a Spring Boot WebFlux application traced by the
 * starter alone gives the traces the hand-wired reactor-netty service gives, request for request.
 */
class SpringOrdersExampleTest {
  static final int REQUESTS = 80;

  static OrdersExample.Result run(String orders) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    OrdersExample.Result result = OrdersExample.run(new OrdersExample.Options(REQUESTS, 400, Duration.ofSeconds(30),
        null, null, false, "reactor-netty", orders), new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(result.ok()).as(bytes.toString(StandardCharsets.UTF_8)).isTrue();
    return result;
  }

  /**
   * Each trace as its items' shapes (role, type, name, result, and the same of the parent), sorted; then the traces
   * sorted: what must not depend on the stack that served the orders.
   */
  static List<String> shapes(List<TelemetryItem> received) {
    Map<String, TelemetryItem> byId = received.stream().filter(i -> i.id() != null)
        .collect(Collectors.toMap(TelemetryItem::id, Function.identity()));
    Map<String, List<TelemetryItem>> traces = received.stream().filter(i -> i.operationId() != null)
        .collect(Collectors.groupingBy(TelemetryItem::operationId));
    List<String> shapes = new ArrayList<>();
    for (List<TelemetryItem> trace : traces.values()) {
      shapes.add(trace.stream().map(item -> {
        TelemetryItem parent = item.parentId() == null ? null : byId.get(item.parentId());
        return shape(item) + " <- " + (parent == null ? "none" : shape(parent));
      }).sorted().collect(Collectors.joining("\n  ", "trace:\n  ", "")));
    }
    shapes.sort(Comparator.naturalOrder());
    return shapes;
  }

  static String shape(TelemetryItem item) {
    String result = item.type().equals("Request") ? item.field("responseCode") : item.field("resultCode");
    return String.join(" ", item.tag("ai.cloud.role"), item.type(), Objects.toString(item.field("type"), ""),
        Objects.toString(item.name(), ""), Objects.toString(result, ""),
        Objects.toString(item.field("target"), "").replaceAll(":\\d+", ":PORT"));
  }

  @Test
  void theSpringServiceGivesTheSameTracesAsTheReactorNettyOne() {
    List<String> reactorNetty = shapes(run("reactor-netty").received());
    List<String> spring;
    try {
      spring = shapes(run("spring").received());
    } finally {
      // The starter turned Reactor's automatic context propagation on for the whole JVM; the other example tests
      // run the hand-wired services as the README's command does, without it.
      Hooks.disableAutomaticContextPropagation();
    }

    assertThat(spring).hasSize(REQUESTS);
    assertThat(String.join("\n", spring)).contains("orders Request  POST /orders 201", "orders Request  GET /orders/{id} 200",
        "inventory Request  POST /reserve 200", "orders RemoteDependency Http POST /reserve 200");
    assertThat(spring).isEqualTo(reactorNetty);
  }
}
