package io.weft.r2dbc.tck;

import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.AfterAll;

/**
 * The R2DBC TCK through Weft's tracing decorator on r2dbc-h2: it must pass exactly as {@link H2TckTest} does (the
 * same tests are skipped, inherited from it, because they fail on the undecorated driver too).
 */
class TracedH2TckTest extends H2TckTest {
  private final TracedTck traced = new TracedTck();

  @Override
  protected ConnectionFactory decorate(ConnectionFactory undecorated) {
    return traced.decorate(undecorated);
  }

  @AfterAll
  void everyStatementWasTraced() {
    traced.verify("h2");
  }
}
