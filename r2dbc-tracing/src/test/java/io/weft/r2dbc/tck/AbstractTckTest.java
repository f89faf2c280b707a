package io.weft.r2dbc.tck;

import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.test.TestKit;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.springframework.jdbc.core.JdbcOperations;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Runs the R2DBC TCK ({@link TestKit}) against one database that each concrete class starts for
 * itself before its first test and stops after its last.
 *
 * <p>The TCK reaches the database two ways: through R2DBC, via the factory that {@link
 * #decorate(ConnectionFactory)} returns (called once per class), and through JDBC for its fixtures
 * (creating, filling and dropping tables). A traced run is a subclass of a database's undecorated
 * class that overrides {@code decorate}; tests that fail on the undecorated driver are disabled in
 * that database's class and so stay disabled in its subclasses.
 *
 * <p>Both drivers used here take PostgreSQL-style {@code $1} placeholders and bind them by that
 * same name, hence {@code TestKit<String>}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
public abstract class AbstractTckTest implements TestKit<String> {

  /** A started database: its R2DBC factory, a JDBC view of the same data, and how to stop it. */
  protected record Database(
      ConnectionFactory connectionFactory, DataSource dataSource, AutoCloseable stopper) {}

  private @Nullable Database database;
  private @Nullable ConnectionFactory connectionFactory;
  private @Nullable JdbcOperations jdbcOperations;

  /**
   * Starts this class's database.
   *
   * @return the started database, whose factory is not decorated yet
   * @throws Exception if the database does not start
   */
  protected abstract Database startDatabase() throws Exception;

  /**
   * Wraps the driver's factory before any test sees it. This base returns it unchanged; a traced
   * run overrides this to apply the tracing decorator.
   *
   * @param undecorated the driver's own factory
   * @return the factory the TCK runs against
   */
  protected ConnectionFactory decorate(ConnectionFactory undecorated) {
    return undecorated;
  }

  /** Starts the database and decorates its factory, once for the whole class. */
  @BeforeAll
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  protected final void startDatabaseOnce() throws Exception {
    Database started = startDatabase();
    database = started;
    jdbcOperations = new JdbcTemplate(started.dataSource());
    connectionFactory = decorate(started.connectionFactory());
  }

  /** Stops the database (and removes whatever it kept on disk). */
  @AfterAll
  @Timeout(value = 1, unit = TimeUnit.MINUTES)
  protected final void stopDatabaseOnce() throws Exception {
    Database started = database;
    database = null;
    connectionFactory = null;
    jdbcOperations = null;
    if (started != null) {
      started.stopper().close();
    }
  }

  @Override
  public final ConnectionFactory getConnectionFactory() {
    ConnectionFactory factory = connectionFactory;
    if (factory == null) {
      throw new IllegalStateException("the database of " + getClass().getSimpleName() + " is not started");
    }
    return factory;
  }

  @Override
  public final JdbcOperations getJdbcOperations() {
    JdbcOperations operations = jdbcOperations;
    if (operations == null) {
      throw new IllegalStateException("the database of " + getClass().getSimpleName() + " is not started");
    }
    return operations;
  }

  @Override
  public String getPlaceholder(int index) {
    return "$" + (index + 1);
  }

  @Override
  public String getIdentifier(int index) {
    return getPlaceholder(index);
  }
}
