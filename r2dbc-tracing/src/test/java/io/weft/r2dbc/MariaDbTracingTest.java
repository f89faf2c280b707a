package io.weft.r2dbc;

import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The tracing scenarios on MariaDB 10.11 (see {@link MariaDbServer}), through {@code org.mariadb:r2dbc-mariadb}. */
class MariaDbTracingTest extends AbstractR2dbcTracingTest {
  private @Nullable ConnectionFactoryOptions options;
  private @Nullable ConnectionFactory factory;

  /** The R2DBC driver name the factory is found by. */
  String driver() {
    return "mariadb";
  }

  @Override
  ConnectionFactory undecorated() {
    if (factory == null) {
      options = MariaDbServer.get().options(driver());
      factory = ConnectionFactories.get(options);
    }
    return factory;
  }

  @Override
  ConnectionFactoryOptions options() {
    undecorated();
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

  /** r2dbc-mariadb 1.4.2's {@code createSavepoint} decides on its own {@code BEGIN} when it is called. */
  @Override
  boolean deferTransactionCalls() {
    return true;
  }

  @Override
  String syntaxErrorFragment() {
    return "You have an error in your SQL syntax";
  }
}
