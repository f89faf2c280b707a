package io.weft.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.Tracer;
import io.weft.endpoint.LocalEndpoint;
import io.weft.testing.BlockHoundExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;

/**
 * A whole request cycle of the two traced apps (server span, R2DBC on H2, WebClient to the second app, the exporter
 * sending to a local endpoint) never blocks a Netty event loop or a Reactor scheduler thread.
 */
@ExtendWith(BlockHoundExtension.class)
class WeftStarterBlockHoundTest {
  static LocalEndpoint endpoint;
  static ConfigurableApplicationContext inventory;
  static ConfigurableApplicationContext orders;

  @BeforeAll
  static void start() {
    // Starting Spring blocks (class loading, files): on the test thread, which BlockHound does not watch.
    endpoint = LocalEndpoint.start();
    inventory = new SpringApplicationBuilder(TestApps.Inventory.class).properties("server.port=0",
        "server.address=127.0.0.1", "spring.application.name=inventory",
        "weft.connection-string=" + endpoint.connectionString()).run();
    orders = new SpringApplicationBuilder(TestApps.Orders.class).properties("server.port=0",
        "server.address=127.0.0.1", "spring.application.name=orders",
        "weft.connection-string=" + endpoint.connectionString(),
        "inventory.url=http://127.0.0.1:" + inventory.getEnvironment().getRequiredProperty("local.server.port"))
        .run();
  }

  @AfterAll
  static void stop() {
    orders.close();
    inventory.close();
    endpoint.close();
  }

  @Test
  void aTracedRequestCycleNeverBlocks() {
    WebClient client = WebClient.create("http://127.0.0.1:"
        + orders.getEnvironment().getRequiredProperty("local.server.port"));
    List<String> bodies = Flux.range(1, 50)
        .flatMap(i -> client.get().uri("/orders/" + (1 + i % 3)).retrieve().bodyToMono(String.class), 16)
        .collectList().block(Duration.ofSeconds(60));
    assertThat(bodies).hasSize(50);
    orders.getBean(Tracer.class).flush().block(Duration.ofSeconds(30));
    inventory.getBean(Tracer.class).flush().block(Duration.ofSeconds(30));
    assertThat(endpoint.store().await(200, Duration.ofSeconds(30))).hasSize(200);
  }
}
