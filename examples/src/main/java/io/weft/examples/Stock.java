package io.weft.examples;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The inventory's business logic, apart from any HTTP stack so every {@link InventoryService} implementation shares
 * it: counts reservations per SKU, and refuses the whole reservation when one line's warehouse is offline.
 *
 * <p>Thread-safe; never blocks.
 */
final class Stock {
  /** The SKU whose warehouse is always offline: ordering it is the example's error path (inventory answers 503). */
  static final String OFFLINE_SKU = "flux-capacitor";

  private final Map<String, Long> reserved = new ConcurrentHashMap<>();

  /** One line of a reservation. */
  record Line(String sku, int quantity) {}

  /** Thrown when a reservation cannot be made; the service answers 503 with the message. */
  static final class WarehouseOffline extends RuntimeException {
    private static final long serialVersionUID = 1L;

    WarehouseOffline(String sku) {
      super("warehouse for " + sku + " is offline");
    }
  }

  /**
   * Reserves every line, or none.
   *
   * @return the number of units reserved
   * @throws WarehouseOffline when a line asks for {@link #OFFLINE_SKU}
   */
  long reserve(List<Line> lines) {
    for (Line line : lines) {
      if (line.sku().equals(OFFLINE_SKU)) {
        throw new WarehouseOffline(line.sku());
      }
    }
    long units = 0;
    for (Line line : lines) {
      reserved.merge(line.sku(), (long) line.quantity(), Long::sum);
      units += line.quantity();
    }
    return units;
  }

  /** Units reserved so far, per SKU. */
  Map<String, Long> reserved() {
    return Map.copyOf(reserved);
  }
}
