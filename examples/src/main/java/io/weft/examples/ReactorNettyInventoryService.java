package io.weft.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectReader;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.weft.core.Tracer;
import io.weft.http.netty.ReactorNettyServerTracing;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * {@link InventoryService} on a reactor-netty {@code HttpServer} traced by {@link ReactorNettyServerTracing}: every request
 * is an Application Insights request of the {@code inventory} role, the stock check inside it an in-process
 * dependency ({@code reserve-stock}), and its MongoDB commands {@code mongodb} dependencies under that.
 *
 * <p>Handlers run on Netty event loops and never block: the body is aggregated reactively and the stock is written
 * through MongoDB's reactive driver.
 */
final class ReactorNettyInventoryService implements InventoryService {
  /** Built once: its deserializers are resolved here, not under Jackson's cache lock on an event loop. */
  private static final ObjectReader RESERVATION_READER = HttpJson.JSON.readerFor(Reservation.class);

  private final DisposableServer server;

  private ReactorNettyInventoryService(DisposableServer server) {
    this.server = server;
  }

  /** The body of {@code POST /reserve}. */
  record Reservation(long orderId, @Nullable List<Stock.Line> lines) {}

  /** Binds 127.0.0.1 on a free port, serving {@code POST /reserve} from {@code stock}, traced with {@code tracer}. */
  static ReactorNettyInventoryService start(Tracer tracer, Stock stock) {
    ReactorNettyServerTracing tracing = ReactorNettyServerTracing.create(tracer);
    DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
        .handle(tracing.routes(routes -> routes.post("/reserve", (req, res) -> reserve(tracer, stock, req, res))))
        .bindNow();
    return new ReactorNettyInventoryService(server);
  }

  private static Publisher<Void> reserve(Tracer tracer, Stock stock, HttpServerRequest request,
      HttpServerResponse response) {
    return request.receive().aggregate().asString().defaultIfEmpty("")
        .map(ReactorNettyInventoryService::parse)
        .flatMap(lines -> Mono.defer(() -> stock.reserve(lines))
            .transform(tracer.spanBuilder("reserve-stock").attribute("inventory.lines", (long) lines.size()).mono()))
        .flatMap(units -> HttpJson.send(response, HttpResponseStatus.OK, "{\"reserved\":" + units + "}"))
        .onErrorResume(Stock.WarehouseOffline.class,
            e -> HttpJson.send(response, HttpResponseStatus.SERVICE_UNAVAILABLE, HttpJson.error(e.getMessage())))
        .onErrorResume(IllegalArgumentException.class,
            e -> HttpJson.send(response, HttpResponseStatus.BAD_REQUEST, HttpJson.error(e.getMessage())));
  }

  /** The lines of a reservation; {@code IllegalArgumentException} (answered 400) when it is not one. */
  static List<Stock.Line> parse(String body) {
    Reservation reservation;
    try {
      reservation = RESERVATION_READER.readValue(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a reservation: " + e.getOriginalMessage(), e);
    }
    List<Stock.Line> lines = reservation.lines();
    if (lines == null || lines.isEmpty()) {
      throw new IllegalArgumentException("a reservation needs at least one line");
    }
    for (Stock.Line line : lines) {
      if (line.sku() == null || line.quantity() < 1) {
        throw new IllegalArgumentException("a line needs a sku and a positive quantity: " + line);
      }
    }
    return lines;
  }

  @Override
  public String baseUrl() {
    return "http://127.0.0.1:" + server.port();
  }

  @Override
  public void close() {
    server.disposeNow(Duration.ofSeconds(5));
  }
}
