package io.weft.r2dbc;

import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Wrapped;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What every span of one traced connection factory records about the database: {@code db.system}, {@code
 * db.namespace}, {@code server.address} and {@code server.port}.
 */
record DbInfo(String system, @Nullable String namespace, @Nullable String address, int port) {

  /** From the factory's metadata, refined by the options it was created from, when known. */
  static DbInfo of(ConnectionFactory factory, @Nullable ConnectionFactoryOptions options) {
    String system = system(factory);
    String namespace = null;
    String address = null;
    int port = -1;
    if (options != null) {
      namespace = string(options.getValue(ConnectionFactoryOptions.DATABASE));
      address = string(options.getValue(ConnectionFactoryOptions.HOST));
      Object portValue = options.getValue(ConnectionFactoryOptions.PORT);
      if (portValue instanceof Number) {
        port = ((Number) portValue).intValue();
      } else if (portValue != null) {
        try {
          port = Integer.parseInt(portValue.toString().trim());
        } catch (NumberFormatException e) {
          port = -1;
        }
      }
      if (system.equals("h2") && namespace != null) {
        // r2dbc-h2 URLs spell the database as a path (r2dbc:h2:mem:///orders); the name has no leading slash.
        namespace = namespace.startsWith("/") ? namespace.substring(1) : namespace;
      }
    }
    if (namespace != null && namespace.isEmpty()) {
      namespace = null;
    }
    return new DbInfo(system, namespace, address, port);
  }

  private static @Nullable String string(@Nullable Object value) {
    return value == null ? null : value.toString();
  }

  /**
   * {@code db.system} from the driver's metadata name: MariaDB counts as {@code mysql} (it speaks the MySQL protocol
   * and Application Insights users look for it there). A pool or another wrapper is looked through.
   */
  static String system(ConnectionFactory factory) {
    String name = "";
    try {
      name = factory.getMetadata().getName();
    } catch (RuntimeException e) {
      name = "";
    }
    String system = systemOf(name);
    if (system.equals("other_sql") && factory instanceof Wrapped) {
      Object inner = ((Wrapped<?>) factory).unwrap();
      if (inner instanceof ConnectionFactory && inner != factory) {
        return system((ConnectionFactory) inner);
      }
    }
    return system;
  }

  static String systemOf(@Nullable String productName) {
    String name = productName == null ? "" : productName.toLowerCase(Locale.ROOT);
    if (name.contains("postgres")) {
      return "postgresql";
    } else if (name.contains("mariadb") || name.contains("mysql")) {
      return "mysql";
    } else if (name.equals("h2") || name.startsWith("h2 ")) {
      return "h2";
    } else if (name.contains("sql server") || name.contains("mssql")) {
      return "mssql";
    } else if (name.contains("oracle")) {
      return "oracle";
    }
    return "other_sql";
  }
}
