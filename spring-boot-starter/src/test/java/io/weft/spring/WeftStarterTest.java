package io.weft.spring;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.weft.core.LogCorrelation;
import io.weft.core.Tracer;
import io.weft.endpoint.LocalEndpoint;
import io.weft.endpoint.TelemetryItem;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Two Spring Boot WebFlux applications on loopback, orders (R2DBC on H2, a WebClient to inventory) and inventory,
 * traced by the starter alone and exporting to a local Application Insights endpoint: the traces as Application
 * Insights receives them.
 */
@SpringBootTest(classes = TestApps.Orders.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WeftStarterTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  static final LocalEndpoint ENDPOINT = LocalEndpoint.start();
  static final ConfigurableApplicationContext INVENTORY = new SpringApplicationBuilder(TestApps.Inventory.class)
      .properties("server.port=0", "server.address=127.0.0.1", "spring.application.name=inventory",
          "weft.connection-string=" + ENDPOINT.connectionString())
      .run();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("server.address", () -> "127.0.0.1");
    registry.add("spring.application.name", () -> "orders");
    registry.add("weft.connection-string", ENDPOINT::connectionString);
    registry.add("inventory.url", () -> "http://127.0.0.1:"
        + INVENTORY.getEnvironment().getRequiredProperty("local.server.port"));
  }

  @LocalServerPort int port;
  @Autowired Tracer tracer;

  /** A client that is not traced: it plays the browser. */
  WebClient client;

  @BeforeEach
  void setUp() {
    client = WebClient.create("http://127.0.0.1:" + port);
    ENDPOINT.store().clear();
    TestApps.LOGS.list.clear();
  }

  @AfterAll
  static void stop() {
    INVENTORY.close();
    ENDPOINT.close();
  }

  /** Sends everything both applications recorded so far. */
  void flush() {
    tracer.flush().block(WAIT);
    INVENTORY.getBean(Tracer.class).flush().block(WAIT);
  }

  String get(String path) {
    return client.get().uri(path).exchangeToMono(response -> response.bodyToMono(String.class)
        .defaultIfEmpty("").map(body -> response.statusCode().value() + " " + body)).block(WAIT);
  }

  List<TelemetryItem> awaitOperation(String requestName) {
    flush();
    TelemetryItem request = ENDPOINT.store().await(1, WAIT, item -> item.type().equals("Request")
        && requestName.equals(item.name())).get(0);
    return ENDPOINT.store().byOperationId(request.operationId());
  }

  static TelemetryItem one(List<TelemetryItem> items, String type, String name) {
    List<TelemetryItem> found = items.stream().filter(i -> i.type().equals(type) && name.equals(i.name())).toList();
    assertThat(found).as(type + " " + name + " in " + items).hasSize(1);
    return found.get(0);
  }

  @Test
  void aRequestIsOneTraceAcrossBothServicesWithSqlAndHttpDependencies() {
    assertThat(get("/orders/2")).isEqualTo("200 {\"id\":2,\"stock\":\"in stock: 2\"}");
    flush();
    List<TelemetryItem> trace = ENDPOINT.store().await(4, WAIT);
    String operation = trace.get(0).operationId();
    trace = ENDPOINT.store().byOperationId(operation);

    TelemetryItem request = one(trace, "Request", "GET /orders/{id}");
    TelemetryItem sql = trace.stream().filter(i -> i.type().equals("RemoteDependency")
        && !"Http".equals(i.field("type"))).findFirst().orElseThrow();
    TelemetryItem http = one(trace, "RemoteDependency", "GET /stock/{id}");
    TelemetryItem downstream = one(trace, "Request", "GET /stock/{id}");

    assertThat(trace).hasSize(4);
    assertThat(request.parentId()).isNull();
    assertThat(request.tag("ai.cloud.role")).isEqualTo("orders");
    assertThat(request.field("responseCode")).isEqualTo("200");
    assertThat(request.property("http.route")).isEqualTo("/orders/{id}");
    assertThat(sql.parentId()).isEqualTo(request.id());
    assertThat(sql.field("type")).isEqualTo("SQL");
    assertThat(sql.field("target")).contains("h2");
    assertThat(sql.field("data")).contains("SYSTEM_RANGE").doesNotContain("= 2");
    assertThat(http.parentId()).isEqualTo(request.id());
    assertThat(http.field("type")).isEqualTo("Http");
    assertThat(http.field("resultCode")).isEqualTo("200");
    assertThat(downstream.parentId()).isEqualTo(http.id());
    assertThat(downstream.tag("ai.cloud.role")).isEqualTo("inventory");
  }

  @Test
  void theMdcHoldsTheRequestsIdsInTheHandlerAndAfterASchedulerHop() {
    get("/orders/1");
    List<TelemetryItem> trace = awaitOperation("GET /orders/{id}");
    TelemetryItem request = one(trace, "Request", "GET /orders/{id}");

    List<ILoggingEvent> lines = List.copyOf(TestApps.LOGS.list);
    assertThat(lines).extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly("order 1 requested", "order 1 found");
    assertThat(lines).allSatisfy(line -> {
      assertThat(line.getMDCPropertyMap()).containsEntry(LogCorrelation.TRACE_ID, request.operationId())
          .containsEntry(LogCorrelation.SPAN_ID, request.id());
    });
  }

  @Test
  void failuresKeepTheirStatusAndTheExceptionThatCausedThem() {
    assertThat(get("/boom")).startsWith("500");
    List<TelemetryItem> boomTrace = awaitOperation("GET /boom");
    TelemetryItem boom = one(boomTrace, "Request", "GET /boom");
    assertThat(boomTrace).filteredOn(item -> item.type().equals("Exception")).singleElement()
        .satisfies(exception -> assertThat(exception.parentId()).isEqualTo(boom.id()));
    assertThat(boom.field("success")).isEqualTo("false");
    assertThat(boom.field("responseCode")).isEqualTo("500");
    assertThat(boom.property("error.type")).isEqualTo(IllegalStateException.class.getName());

    assertThat(get("/missing/7")).startsWith("404");
    TelemetryItem missing = one(awaitOperation("GET /missing/{id}"), "Request", "GET /missing/{id}");
    assertThat(missing.field("responseCode")).isEqualTo("404");
    assertThat(missing.property("error.type")).as("a 404 is the client's mistake, not a failure").isNull();

    assertThat(get("/conflict")).isEqualTo("409 sold out");
    TelemetryItem conflict = one(awaitOperation("GET /conflict"), "Request", "GET /conflict");
    assertThat(conflict.field("responseCode")).isEqualTo("409");

    assertThat(get("/nowhere")).startsWith("404");
    TelemetryItem nowhere = one(awaitOperation("GET /**"), "Request", "GET /**");
    assertThat(nowhere.field("responseCode")).as("named by the static-resource route that answered, not the path")
        .isEqualTo("404");
  }

  @Test
  void eachRetryOfAWebClientWithItsOwnConnectorIsASpanOfItsOwn() {
    assertThat(get("/retry")).isEqualTo("200 done");
    List<TelemetryItem> trace = awaitOperation("GET /retry");
    TelemetryItem request = one(trace, "Request", "GET /retry");
    List<TelemetryItem> attempts = trace.stream().filter(i -> i.type().equals("RemoteDependency")).toList();
    assertThat(attempts).extracting(i -> i.name() + " " + i.field("resultCode"))
        .containsExactlyInAnyOrder("GET /flaky 503", "GET /flaky 200");
    assertThat(attempts).allSatisfy(attempt -> assertThat(attempt.parentId()).isEqualTo(request.id()));
    assertThat(trace).filteredOn(i -> i.type().equals("Request") && "GET /flaky".equals(i.name()))
        .as("inventory continued each attempt's trace").hasSize(2)
        .extracting(TelemetryItem::parentId).containsExactlyInAnyOrderElementsOf(
            attempts.stream().map(TelemetryItem::id).toList());
  }

  @Test
  void aRequestTheClientAbandonsEndsAsCancelled() {
    assertThat(client.get().uri("/slow").retrieve().bodyToMono(String.class)
        .timeout(Duration.ofMillis(300), Mono.just("gave up")).block(WAIT)).isEqualTo("gave up");
    TelemetryItem slow = one(awaitOperation("GET /slow"), "Request", "GET /slow");
    assertThat(slow.property("weft.cancelled")).isEqualTo("true");
  }

  @Test
  void twoHundredConcurrentRequestsEachGetTheirOwnTrace() {
    int requests = 200;
    List<String> bodies = Flux.range(1, requests)
        .flatMap(i -> client.get().uri("/orders/" + (1 + i % 3)).retrieve().bodyToMono(String.class), 64)
        .collectList().block(WAIT);
    assertThat(bodies).hasSize(requests);
    flush();
    List<TelemetryItem> all = ENDPOINT.store().await(requests * 4, WAIT);
    Map<String, List<TelemetryItem>> byOperation = all.stream()
        .collect(Collectors.groupingBy(TelemetryItem::operationId));
    assertThat(byOperation).hasSize(requests);
    assertThat(byOperation.values()).allSatisfy(trace -> {
      assertThat(trace).hasSize(4);
      TelemetryItem root = one(trace, "Request", "GET /orders/{id}");
      TelemetryItem http = one(trace, "RemoteDependency", "GET /stock/{id}");
      assertThat(one(trace, "Request", "GET /stock/{id}").parentId()).isEqualTo(http.id());
      assertThat(trace.stream().filter(i -> i.type().equals("RemoteDependency")).map(TelemetryItem::parentId)
          .collect(Collectors.toSet())).isEqualTo(Set.of(root.id()));
    });
  }
}
