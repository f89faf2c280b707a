package io.weft.r2dbc;

import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import org.jspecify.annotations.Nullable;

/** The tracing scenarios on H2 in memory, through {@code io.r2dbc:r2dbc-h2}. */
class H2TracingTest extends AbstractR2dbcTracingTest {
  private static final ConnectionFactoryOptions OPTIONS =
      ConnectionFactoryOptions.parse("r2dbc:h2:mem:///tracing?options=DB_CLOSE_DELAY=-1");
  private static final ConnectionFactory H2 = ConnectionFactories.get(OPTIONS);

  @Override
  ConnectionFactory undecorated() {
    return H2;
  }

  @Override
  ConnectionFactoryOptions options() {
    return OPTIONS;
  }

  @Override
  String param(int index) {
    return "$" + index;
  }

  @Override
  String expectedSystem() {
    return "h2";
  }

  @Override
  @Nullable String expectedNamespace() {
    return "tracing";
  }

  @Override
  @Nullable String expectedAddress() {
    return null;
  }

  @Override
  @Nullable Long expectedPort() {
    return null;
  }

  @Override
  String syntaxErrorFragment() {
    return "Syntax error";
  }
}
