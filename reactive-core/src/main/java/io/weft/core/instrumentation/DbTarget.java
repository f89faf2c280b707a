package io.weft.core.instrumentation;

import io.weft.core.AttributeSource;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The database a client talks to, as every span to it records it: {@code db.system}, {@code db.namespace}, {@code
 * server.address} and {@code server.port}. An integration works it out once per connection factory or client. As an
 * {@link AttributeSource} it adds those attributes when the span is exported, not on the traced call's thread.
 *
 * @param system {@code db.system}: {@code postgresql}, {@code mysql} (MySQL and MariaDB), {@code h2}, {@code mssql},
 *     {@code oracle}, {@code mongodb}, or {@code other_sql}
 * @param namespace the database name, or null
 * @param address the server's host, or null (an in-memory database)
 * @param port the server's port, or -1
 */
public record DbTarget(String system, @Nullable String namespace, @Nullable String address, int port)
    implements AttributeSource {
  /** {@code db.system} of a SQL database Weft cannot name. */
  public static final String OTHER_SQL = "other_sql";
  /** {@code db.system} of MongoDB. */
  public static final String MONGODB = "mongodb";

  public DbTarget {
    if (namespace != null && namespace.isEmpty()) {
      namespace = null;
    }
    if (address != null && address.isEmpty()) {
      address = null;
    }
  }

  /**
   * The target at {@code hostAndPort} ({@code host:port}, {@code [v6]:port}, or a bare host): how clients that only
   * know the peer's address (Vert.x's SQL clients) describe it. Unreadable parts are left unknown.
   */
  public static DbTarget at(String system, @Nullable String namespace, @Nullable String hostAndPort) {
    if (hostAndPort == null || hostAndPort.isEmpty()) {
      return new DbTarget(system, namespace, null, -1);
    }
    String host = hostAndPort;
    int port = -1;
    int colon = hostAndPort.lastIndexOf(':');
    boolean bracketed = hostAndPort.startsWith("[");
    int close = bracketed ? hostAndPort.indexOf(']') : -1;
    if (colon > 0 && (bracketed ? colon > close : hostAndPort.indexOf(':') == colon)) {
      host = hostAndPort.substring(0, colon);
      port = parsePort(hostAndPort.substring(colon + 1));
    }
    if (bracketed && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new DbTarget(system, namespace, host, port);
  }

  /** Adds {@code db.system}, and {@code db.namespace}, {@code server.address}, {@code server.port} when known. */
  @Override
  public void addTo(Sink sink) {
    sink.put(SemanticAttributes.DB_SYSTEM, system);
    sink.put(SemanticAttributes.DB_NAMESPACE, namespace);
    sink.put(SemanticAttributes.SERVER_ADDRESS, address);
    if (port > 0) {
      sink.put(SemanticAttributes.SERVER_PORT, port);
    }
  }

  private static int parsePort(String text) {
    try {
      int port = Integer.parseInt(text);
      return port > 0 && port <= 65535 ? port : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * {@code db.system} from a driver's or server's product name: MariaDB counts as {@code mysql} (it speaks the MySQL
   * protocol, and Application Insights users look for it there); unknown products are {@link #OTHER_SQL}.
   */
  public static String systemOf(@Nullable String productName) {
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
    return OTHER_SQL;
  }
}
