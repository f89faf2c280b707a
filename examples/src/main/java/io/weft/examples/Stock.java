package io.weft.examples;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.util.List;
import org.bson.Document;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The inventory's business logic, apart from any HTTP stack so every {@link InventoryService} implementation shares
 * it: keeps the units reserved per SKU in a MongoDB collection (one document per SKU, through the traced reactive
 * driver, so each line is a {@code mongodb} dependency), and refuses the whole reservation when one line's warehouse
 * is offline.
 *
 * <p>Thread-safe; never blocks.
 */
final class Stock {
  /** The SKU whose warehouse is always offline: ordering it is the example's error path (inventory answers 503). */
  static final String OFFLINE_SKU = "flux-capacitor";

  private static final UpdateOptions UPSERT = new UpdateOptions().upsert(true);

  private final MongoCollection<Document> reservations;

  Stock(MongoCollection<Document> reservations) {
    this.reservations = reservations;
  }

  /** One line of a reservation. */
  record Line(String sku, int quantity) {}

  /** Signalled when a reservation cannot be made; the service answers 503 with the message. */
  static final class WarehouseOffline extends RuntimeException {
    private static final long serialVersionUID = 1L;

    WarehouseOffline(String sku) {
      super("warehouse for " + sku + " is offline");
    }
  }

  /**
   * Reserves every line (one {@code update} with upsert per SKU), or none: an offline line fails the reservation
   * before anything is written.
   *
   * @return the number of units reserved, or {@link WarehouseOffline} when a line asks for {@link #OFFLINE_SKU}
   */
  Mono<Long> reserve(List<Line> lines) {
    for (Line line : lines) {
      if (line.sku().equals(OFFLINE_SKU)) {
        return Mono.error(new WarehouseOffline(line.sku()));
      }
    }
    return Flux.fromIterable(lines)
        .concatMap(line -> Mono.from(reservations.updateOne(Filters.eq("_id", line.sku()),
            Updates.inc("reserved", line.quantity()), UPSERT)).thenReturn(line.quantity()))
        .reduce(0L, Long::sum);
  }

  /** Units reserved for {@code sku} so far (0 when none). */
  Mono<Long> reserved(String sku) {
    return Mono.from(reservations.find(Filters.eq("_id", sku)).first())
        .map(document -> document.get("reserved", Number.class).longValue())
        .defaultIfEmpty(0L);
  }
}
