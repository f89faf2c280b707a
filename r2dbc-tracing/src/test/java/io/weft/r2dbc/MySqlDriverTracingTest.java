package io.weft.r2dbc;

import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;

/**
 * The tracing scenarios on MariaDB 10.11 (see {@link MariaDbServer}) through the MySQL driver, {@code
 * io.asyncer:r2dbc-mysql}.
 */
class MySqlDriverTracingTest extends AbstractR2dbcTracingTest {
  private static @Nullable ConnectionFactoryOptions options;
  private static @Nullable ConnectionFactory factory;

  @BeforeAll
  static void connect() {
    options = MariaDbServer.get().options("mysql");
    factory = ConnectionFactories.get(options);
  }

  @Override
  ConnectionFactory undecorated() {
    return Objects.requireNonNull(factory);
  }

  @Override
  ConnectionFactoryOptions options() {
    return Objects.requireNonNull(options);
  }

  @Override
  String param(int index) {
    return "?";
  }

  @Override
  String expectedSystem() {
    return "mysql";
  }

  @Override
  @Nullable String expectedNamespace() {
    return MariaDbServer.DATABASE_NAME;
  }

  @Override
  @Nullable String expectedAddress() {
    return MariaDbServer.HOST_ADDRESS;
  }

  @Override
  @Nullable Long expectedPort() {
    return (long) MariaDbServer.get().port();
  }

  @Override
  String syntaxErrorFragment() {
    return "You have an error in your SQL syntax";
  }
}
