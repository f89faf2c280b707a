package io.weft.examples;

/**
 * The "inventory" service the orders service reserves stock from, over HTTP: {@code POST /reserve} with {@code
 * {"orderId": 7, "lines": [{"sku": "widget", "quantity": 2}]}} answers 200 {@code {"reserved": 2}}, or 503 when a
 * line asks for a SKU whose warehouse is offline ({@link Stock#OFFLINE_SKU}): the example's error path.
 *
 * <p>It is an interface so that another HTTP stack can serve the same contract: the reactor-netty implementation is
 * {@link ReactorNettyInventoryService}; a Vert.x one (with {@code weft-vertx-tracing}) can be swapped in without
 * touching the orders service, which only knows {@link #baseUrl()}. Implementations are traced servers with their
 * own tracer (cloud role {@code inventory}), so one trace spans two services.
 */
interface InventoryService extends AutoCloseable {

  /** Where the service listens, without a trailing slash: {@code http://127.0.0.1:PORT}. */
  String baseUrl();

  /** Stops serving; waits (bounded) for the server to release its port. */
  @Override
  void close();
}
