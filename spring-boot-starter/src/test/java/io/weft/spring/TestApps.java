package io.weft.spring;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** Two small WebFlux applications, orders calling inventory, each traced by the starter alone. */
final class TestApps {
  private TestApps() {}

  /** Log lines of the controllers, with the MDC each was logged with. */
  static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();

  static {
    LOGS.start();
    ((Logger) LoggerFactory.getLogger(TestApps.class)).addAppender(LOGS);
  }

  static final org.slf4j.Logger LOG = LoggerFactory.getLogger(TestApps.class);

  /** Boot's MongoDB clients: these apps keep no data in MongoDB (WeftAutoConfigurationTest covers it). */
  static final String MONGO = "org.springframework.boot.mongodb.autoconfigure.MongoAutoConfiguration";
  static final String MONGO_REACTIVE = "org.springframework.boot.mongodb.autoconfigure.MongoReactiveAutoConfiguration";

  /** The orders service: R2DBC on H2, and a WebClient to inventory. */
  @SpringBootConfiguration
  @EnableAutoConfiguration(excludeName = {MONGO, MONGO_REACTIVE})
  @Import(OrdersController.class)
  static class Orders {}

  /** The inventory service. */
  @SpringBootConfiguration
  @EnableAutoConfiguration(excludeName = {MONGO, MONGO_REACTIVE})
  @Import(InventoryController.class)
  static class Inventory {}

  /** The orders service's answer. */
  record Order(long id, String stock) {}

  /** A failure the orders service maps to 409 with an {@code @ExceptionHandler}. */
  static final class OutOfStock extends RuntimeException {
    private static final long serialVersionUID = 1L;

    OutOfStock(String message) {
      super(message);
    }
  }

  @RestController
  static class OrdersController {
    private final DatabaseClient db;
    private final WebClient inventory;
    /** Built from Boot's builder too, with a connector the application chose (the JDK's client). */
    private final WebClient jdkInventory;

    OrdersController(DatabaseClient db, WebClient.Builder builder, org.springframework.core.env.Environment env) {
      this.db = db;
      this.inventory = builder.clone().baseUrl(env.getRequiredProperty("inventory.url")).build();
      this.jdkInventory = builder.clone().clientConnector(new JdkClientHttpConnector())
          .baseUrl(env.getRequiredProperty("inventory.url")).build();
    }

    /** Asks the flaky route until it answers: one client span per attempt. */
    @GetMapping("/retry")
    Mono<String> retry() {
      return jdkInventory.get().uri("/flaky").retrieve().bodyToMono(String.class).retry(2);
    }

    @GetMapping("/orders/{id}")
    Mono<Order> order(@PathVariable("id") long id) {
      LOG.info("order {} requested", id);
      return db.sql("SELECT X AS id FROM SYSTEM_RANGE(1, 3) WHERE X = :id").bind("id", id)
          .map(row -> row.get("id", Long.class)).one()
          .publishOn(Schedulers.parallel())
          .doOnNext(found -> LOG.info("order {} found", found))
          .flatMap(found -> inventory.get().uri("/stock/{id}", found).retrieve().bodyToMono(String.class)
              .map(stock -> new Order(found, stock)));
    }

    @GetMapping("/boom")
    Mono<String> boom() {
      return Mono.error(new IllegalStateException("boom"));
    }

    @GetMapping("/missing/{id}")
    Mono<String> missing(@PathVariable("id") String id) {
      return Mono.error(new ResponseStatusException(HttpStatus.NOT_FOUND, "no " + id));
    }

    @GetMapping("/conflict")
    Mono<String> conflict() {
      return Mono.error(new OutOfStock("sold out"));
    }

    @GetMapping("/slow")
    Mono<String> slow() {
      return Mono.delay(Duration.ofMinutes(5)).thenReturn("late");
    }

    @ExceptionHandler(OutOfStock.class)
    ResponseEntity<String> outOfStock(OutOfStock e) {
      return ResponseEntity.status(HttpStatus.CONFLICT).body(e.getMessage());
    }
  }

  @RestController
  static class InventoryController {
    private final java.util.concurrent.atomic.AtomicInteger flaky = new java.util.concurrent.atomic.AtomicInteger();

    /** Fails every other call with 503. */
    @GetMapping("/flaky")
    Mono<ResponseEntity<String>> flaky() {
      return Mono.just(flaky.getAndIncrement() % 2 == 0
          ? ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body("try again")
          : ResponseEntity.ok("done"));
    }

    @GetMapping("/stock/{id}")
    Mono<String> stock(@PathVariable("id") long id) {
      return Mono.just("in stock: " + id);
    }
  }
}
