package io.weft.r2dbc;

import io.weft.testing.EmbeddedPostgresServer;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import org.jspecify.annotations.Nullable;

/** The tracing scenarios on a real PostgreSQL 16 through {@code org.postgresql:r2dbc-postgresql}, no pool. */
class PostgresTracingTest extends AbstractR2dbcTracingTest {
  static final String URL = "r2dbc:postgresql://postgres@127.0.0.1:{port}/postgres?connectTimeout=PT10S";
  private static ConnectionFactoryOptions options;
  private static ConnectionFactory factory;

  @Override
  synchronized ConnectionFactory undecorated() {
    if (factory == null) {
      options = ConnectionFactoryOptions.parse(EmbeddedPostgresServer.url(URL));
      factory = ConnectionFactories.get(options);
    }
    return factory;
  }

  @Override
  ConnectionFactoryOptions options() {
    undecorated();
    return options;
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
