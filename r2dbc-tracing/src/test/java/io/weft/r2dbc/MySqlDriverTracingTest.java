package io.weft.r2dbc;

/**
 * The tracing scenarios on MariaDB 10.11 (see {@link MariaDbServer}) through the MySQL driver, {@code
 * io.asyncer:r2dbc-mysql}: same server, same expectations as {@link MariaDbTracingTest}.
 */
class MySqlDriverTracingTest extends MariaDbTracingTest {

  @Override
  String driver() {
    return "mysql";
  }

  /** r2dbc-mysql issues transaction calls on subscription, as R2DBC asks: no workaround needed. */
  @Override
  boolean deferTransactionCalls() {
    return false;
  }
}
