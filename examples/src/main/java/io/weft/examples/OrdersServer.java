package io.weft.examples;

/** A running orders service, whichever stack serves it. */
public interface OrdersServer extends AutoCloseable {
  /** Where it listens, without a trailing slash: {@code http://127.0.0.1:PORT}. */
  String baseUrl();

  /** Its database's state (open sessions), for a run where a request never got its answer. */
  String databaseState();

  /** Stops serving and releases its connections (blocking, bounded). */
  @Override
  void close();
}
