package io.weft.r2dbc.tck;

import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.AfterAll;

/** The R2DBC TCK through Weft's tracing decorator on r2dbc-postgresql: all of it passes, as undecorated. */
class TracedPostgresTckTest extends PostgresTckTest {
  private final TracedTck traced = new TracedTck();

  @Override
  protected ConnectionFactory decorate(ConnectionFactory undecorated) {
    return traced.decorate(undecorated);
  }

  @AfterAll
  void everyStatementWasTraced() {
    traced.verify("postgresql");
  }
}
