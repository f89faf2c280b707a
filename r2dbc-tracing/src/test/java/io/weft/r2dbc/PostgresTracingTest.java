package io.weft.r2dbc;

import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.weft.testing.EmbeddedPostgresServer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/** The tracing scenarios on a real PostgreSQL 16 through {@code org.postgresql:r2dbc-postgresql}, no pool. */
class PostgresTracingTest extends AbstractR2dbcTracingTest {
  static final String URL = "r2dbc:postgresql://postgres@127.0.0.1:{port}/postgres?connectTimeout=PT10S";
  /** One factory per URL for the whole run (a pool must outlive a test method). */
  private static final Map<String, ConnectionFactory> FACTORIES = new ConcurrentHashMap<>();

  /** The R2DBC URL, {@code {port}} standing for the embedded server's port. */
  String url() {
    return URL;
  }

  @Override
  ConnectionFactory undecorated() {
    return FACTORIES.computeIfAbsent(url(), u -> ConnectionFactories.get(options()));
  }

  @Override
  ConnectionFactoryOptions options() {
    return ConnectionFactoryOptions.parse(EmbeddedPostgresServer.url(url()));
  }

  @Override
  String param(int index) {
    return "$" + index;
  }

  @Override
  String expectedSystem() {
    return "postgresql";
  }

  @Override
  @Nullable String expectedNamespace() {
    return "postgres";
  }

  @Override
  @Nullable String expectedAddress() {
    return EmbeddedPostgresServer.HOST;
  }

  @Override
  @Nullable Long expectedPort() {
    return (long) EmbeddedPostgresServer.port();
  }

  @Override
  String syntaxErrorFragment() {
    return "syntax error at or near \"SELEC\"";
  }
}
