package io.weft.examples.spring;

import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.weft.core.Tracer;
import io.weft.examples.HttpJson;
import io.weft.examples.OrderStore;
import io.weft.examples.OrdersServer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * The orders service as a Spring Boot WebFlux application: a {@code @RestController}, Boot's R2DBC {@code
 * ConnectionFactory} and a {@code WebClient} from Boot's {@code WebClient.Builder}, traced by {@code
 * weft-spring-boot-starter} alone: no tracing code here. It serves what {@link OrderStore} does, with the same
 * routes and answers as the reactor-netty service, so its traces have the same shape.
 *
 * <p>The one thing the example hands Spring is its {@link Tracer} (as a bean, which the starter then uses instead of
 * building its own from {@code weft.connection-string}): the run counts every span of both services through one
 * exporter. An application of yours needs only the dependency and the connection string.
 */
public final class SpringOrdersService implements OrdersServer {
  /** The database: in memory, kept until the JVM exits; the schema is created before Spring starts. */
  static final String DATABASE_URL = "r2dbc:h2:mem:///orders?options=DB_CLOSE_DELAY=-1";

  private final ConfigurableApplicationContext context;

  private SpringOrdersService(ConfigurableApplicationContext context) {
    this.context = context;
  }

  /** Creates the schema (untraced), then starts the application on 127.0.0.1 and a free port. */
  public static SpringOrdersService start(Tracer tracer, String inventoryUrl) {
    OrderStore.createSchema(ConnectionFactories.get(DATABASE_URL));
    // The example logs through slf4j-simple; Spring Boot's own logging set-up is not needed here.
    System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
    ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
        .initializers(ctx -> ctx.getBeanFactory().registerSingleton("tracer", tracer))
        .properties("server.address=127.0.0.1", "server.port=0", "spring.application.name=orders",
            "spring.main.banner-mode=off", "spring.r2dbc.url=" + DATABASE_URL,
            // No pool over in-memory H2, as in the reactor-netty variant (OrdersService says why).
            "spring.r2dbc.pool.enabled=false",
            "inventory.url=" + inventoryUrl)
        .run();
    return new SpringOrdersService(context);
  }

  @Override
  public String baseUrl() {
    return "http://127.0.0.1:" + context.getEnvironment().getRequiredProperty("local.server.port");
  }

  @Override
  public String databaseState() {
    return OrderStore.openSessions(ConnectionFactories.get(DATABASE_URL));
  }

  @Override
  public void close() {
    context.close();
  }

  /** The application: Boot's auto-configuration (with Weft's starter on the class path) and the controller. */
  @SpringBootConfiguration
  @EnableAutoConfiguration(excludeName = {"org.springframework.boot.mongodb.autoconfigure.MongoAutoConfiguration",
      "org.springframework.boot.mongodb.autoconfigure.MongoReactiveAutoConfiguration"})
  @Import(OrdersController.class)
  static class Application {}

  /** The routes of the orders service. */
  @RestController
  static class OrdersController {
    private final OrderStore store;

    OrdersController(Tracer tracer, ConnectionFactory db, WebClient.Builder builder,
        @Value("${inventory.url}") String inventoryUrl) {
      WebClient inventory = builder.baseUrl(inventoryUrl).build();
      this.store = new OrderStore(tracer, db, body -> inventory.post().uri("/reserve")
          .contentType(MediaType.APPLICATION_JSON).bodyValue(body)
          .exchangeToMono(response -> response.bodyToMono(String.class).defaultIfEmpty("").flatMap(text ->
              response.statusCode().value() == 200 ? Mono.just(text)
                  : Mono.error(new OrderStore.InventoryUnavailable(response.statusCode().value(), text)))));
    }

    @PostMapping(path = "/orders", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<String>> create(@RequestBody(required = false) Mono<String> body) {
      return body.defaultIfEmpty("").flatMap(store::create)
          .map(id -> ResponseEntity.status(HttpStatus.CREATED).body("{\"id\":" + id + "}"));
    }

    @GetMapping(path = "/orders/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<String>> read(@PathVariable("id") String id) {
      return read(id, false);
    }

    @GetMapping(path = "/orders/{id}/slow", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<String>> readSlow(@PathVariable("id") String id) {
      return read(id, true);
    }

    private Mono<ResponseEntity<String>> read(String id, boolean slow) {
      long orderId;
      try {
        orderId = Long.parseLong(id);
      } catch (NumberFormatException e) {
        return Mono.just(ResponseEntity.badRequest().body(HttpJson.error("not an order id: " + id)));
      }
      return store.read(orderId, slow).map(ResponseEntity::ok)
          .defaultIfEmpty(ResponseEntity.status(HttpStatus.NOT_FOUND).body(HttpJson.error("no order " + id)));
    }

    @ExceptionHandler(OrderStore.InvalidOrder.class)
    ResponseEntity<String> invalid(OrderStore.InvalidOrder e) {
      return ResponseEntity.badRequest().contentType(MediaType.APPLICATION_JSON).body(HttpJson.error(e.getMessage()));
    }

    @ExceptionHandler(OrderStore.InventoryUnavailable.class)
    ResponseEntity<String> unavailable(OrderStore.InventoryUnavailable e) {
      return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).contentType(MediaType.APPLICATION_JSON)
          .body(HttpJson.error(e.getMessage()));
    }
  }
}
