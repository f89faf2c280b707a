package io.weft.r2dbc;

import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Wrapped;
import io.weft.core.instrumentation.DbTarget;
import org.jspecify.annotations.Nullable;

/** The {@link DbTarget} of an R2DBC connection factory: what every span of its connections records. */
final class R2dbcTargets {
  private static final String H2 = "h2";

  private R2dbcTargets() {}

  /** From the factory's metadata, refined by the options it was created from, when known. */
  static DbTarget of(ConnectionFactory factory, @Nullable ConnectionFactoryOptions options) {
    String system = system(factory);
    if (options == null) {
      return new DbTarget(system, null, null, -1);
    }
    String namespace = string(options.getValue(ConnectionFactoryOptions.DATABASE));
    if (system.equals(H2) && namespace != null && namespace.startsWith("/")) {
      // r2dbc-h2 URLs spell the database as a path (r2dbc:h2:mem:///orders); the name has no leading slash.
      namespace = namespace.substring(1);
    }
    return new DbTarget(system, namespace, string(options.getValue(ConnectionFactoryOptions.HOST)),
        port(options.getValue(ConnectionFactoryOptions.PORT)));
  }

  private static int port(@Nullable Object value) {
    if (value instanceof Number) {
      return ((Number) value).intValue();
    }
    if (value != null) {
      try {
        return Integer.parseInt(value.toString().trim());
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    return -1;
  }

  private static @Nullable String string(@Nullable Object value) {
    return value == null ? null : value.toString();
  }

  /** {@code db.system} from the driver's metadata name; a pool or another wrapper is looked through. */
  static String system(ConnectionFactory factory) {
    String name;
    try {
      name = factory.getMetadata().getName();
    } catch (RuntimeException e) {
      name = "";
    }
    String system = DbTarget.systemOf(name);
    if (system.equals(DbTarget.OTHER_SQL) && factory instanceof Wrapped) {
      Object inner = ((Wrapped<?>) factory).unwrap();
      if (inner instanceof ConnectionFactory && inner != factory) {
        return system((ConnectionFactory) inner);
      }
    }
    return system;
  }
}
