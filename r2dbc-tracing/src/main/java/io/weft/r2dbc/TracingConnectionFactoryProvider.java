package io.weft.r2dbc;

import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.ConnectionFactoryProvider;
import io.weft.core.Tracer;
import org.slf4j.LoggerFactory;

/**
 * The {@code tracing} R2DBC driver: {@code r2dbc:tracing:<driver>[:<protocol>]://…} finds the factory for {@code
 * r2dbc:<driver>[:<protocol>]://…} with the same options and returns it traced with the global tracer ({@link
 * Tracer#global()}). Examples: {@code r2dbc:tracing:h2:mem:///orders}, {@code
 * r2dbc:tracing:postgresql://host:5432/db}, {@code r2dbc:tracing:pool:postgresql://host/db} (a pool of traced
 * connections is {@code r2dbc:pool:tracing:postgresql://…}; both trace every statement).
 *
 * <p>A URL that names the tracing driver twice is traced once, with a warning.
 *
 * <p>Registered in {@code META-INF/services/io.r2dbc.spi.ConnectionFactoryProvider}.
 */
public final class TracingConnectionFactoryProvider implements ConnectionFactoryProvider {
  /** The driver name in R2DBC URLs. */
  public static final String DRIVER = "tracing";

  @Override
  public ConnectionFactory create(ConnectionFactoryOptions options) {
    ConnectionFactoryOptions delegateOptions = delegateOptions(options);
    ConnectionFactory delegate = ConnectionFactories.find(delegateOptions);
    if (delegate == null) {
      throw new IllegalArgumentException("No R2DBC driver found for \""
          + delegateOptions.getValue(ConnectionFactoryOptions.DRIVER) + "\" behind r2dbc:tracing: (is the driver on the "
          + "class path?)");
    }
    if (R2dbcTracing.isTraced(delegate)) {
      // r2dbc:tracing:tracing:… or r2dbc:tracing:pool:tracing:…: tracing twice would make two spans per statement
      LoggerFactory.getLogger(TracingConnectionFactoryProvider.class).warn("The R2DBC URL names the tracing driver "
          + "twice (r2dbc:tracing:…tracing:…); statements are traced once");
      return delegate;
    }
    return R2dbcTracing.create(Tracer.global()).wrap(delegate, delegateOptions);
  }

  /** The options for the traced driver: {@code tracing} removed, the protocol's first part becoming the driver. */
  static ConnectionFactoryOptions delegateOptions(ConnectionFactoryOptions options) {
    Object protocolValue = options.getValue(ConnectionFactoryOptions.PROTOCOL);
    String protocol = protocolValue == null ? "" : protocolValue.toString().trim();
    if (protocol.isEmpty()) {
      throw new IllegalArgumentException("r2dbc:tracing: needs the driver to trace, as in "
          + "r2dbc:tracing:postgresql://host/db or r2dbc:tracing:h2:mem:///name");
    }
    int colon = protocol.indexOf(':');
    String driver = colon < 0 ? protocol : protocol.substring(0, colon);
    String rest = colon < 0 ? "" : protocol.substring(colon + 1);
    return ConnectionFactoryOptions.builder().from(options)
        .option(ConnectionFactoryOptions.DRIVER, driver)
        .option(ConnectionFactoryOptions.PROTOCOL, rest)
        .build();
  }

  @Override
  public boolean supports(ConnectionFactoryOptions options) {
    return DRIVER.equals(options.getValue(ConnectionFactoryOptions.DRIVER));
  }

  @Override
  public String getDriver() {
    return DRIVER;
  }
}
