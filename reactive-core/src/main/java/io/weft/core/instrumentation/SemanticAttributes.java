package io.weft.core.instrumentation;

/**
 * The attribute keys Weft's integrations record, and the exporter reads: OpenTelemetry's semantic conventions (the
 * stable HTTP, URL, server/client and database names), a few older names the exporter still understands when a span
 * carries them, and Weft's own ({@code weft.*}). One place, so that an integration and the exporter can never
 * disagree on a spelling.
 */
public final class SemanticAttributes {
  private SemanticAttributes() {}

  // ---- HTTP and URL ------------------------------------------------------------------------------------------------

  /** The request method, upper-case: {@code GET}. */
  public static final String HTTP_REQUEST_METHOD = "http.request.method";
  /** The response status code, as a number. */
  public static final String HTTP_RESPONSE_STATUS_CODE = "http.response.status_code";
  /** The route template that matched ({@code /orders/{id}}). */
  public static final String HTTP_ROUTE = "http.route";
  /** Which resend of a request this is (redirect hops), when not the first. */
  public static final String HTTP_REQUEST_RESEND_COUNT = "http.request.resend_count";
  /** The absolute URL, as recorded: no userinfo, no fragment, query values redacted unless configured otherwise. */
  public static final String URL_FULL = "url.full";
  /** The path of a request the server received. */
  public static final String URL_PATH = "url.path";
  /** The scheme of a request the server received. */
  public static final String URL_SCHEME = "url.scheme";
  /** The host a client calls (a name or an IP address, without IPv6 brackets). */
  public static final String SERVER_ADDRESS = "server.address";
  /** The port a client calls, as a number: explicit, else the scheme's default. */
  public static final String SERVER_PORT = "server.port";
  /** The address of the client a server saw. */
  public static final String CLIENT_ADDRESS = "client.address";
  /** The {@code User-Agent} a server received. */
  public static final String USER_AGENT_ORIGINAL = "user_agent.original";
  /** The address of the peer a client is connected to ({@code host:port} in Vert.x's SQL client tags). */
  public static final String NETWORK_PEER_ADDRESS = "network.peer.address";
  /** Why a call failed: an exception's class name, or an HTTP status code. */
  public static final String ERROR_TYPE = "error.type";

  // ---- Databases ---------------------------------------------------------------------------------------------------

  /** The database product: {@code postgresql}, {@code mysql} (MySQL and MariaDB), {@code h2}, {@code mongodb}… */
  public static final String DB_SYSTEM = "db.system";
  /** The database (or schema) name. */
  public static final String DB_NAMESPACE = "db.namespace";
  /** The statement or command, without values: sanitized SQL, or a MongoDB command's shape. */
  public static final String DB_QUERY_TEXT = "db.query.text";
  /** The operation: {@code SELECT}, {@code INSERT}, {@code find}… */
  public static final String DB_OPERATION_NAME = "db.operation.name";
  /** The table or collection the operation targets. */
  public static final String DB_COLLECTION_NAME = "db.collection.name";
  /** How many statements a batch ran. */
  public static final String DB_OPERATION_BATCH_SIZE = "db.operation.batch.size";
  /** Rows a query returned, as a number. */
  public static final String DB_RESPONSE_RETURNED_ROWS = "db.response.returned_rows";
  /** The database's own error code: an SQLSTATE, a MongoDB error code. */
  public static final String DB_RESPONSE_STATUS_CODE = "db.response.status_code";
  /** The prefix of one bound parameter ({@code db.query.parameter.0}), recorded only when asked for. */
  public static final String DB_QUERY_PARAMETER_PREFIX = "db.query.parameter.";

  // ---- Other calls the exporter maps -------------------------------------------------------------------------------

  /** The RPC system of a remote call. */
  public static final String RPC_SYSTEM = "rpc.system";
  /** The messaging system of a produce or consume. */
  public static final String MESSAGING_SYSTEM = "messaging.system";
  /** The queue or topic of a produce or consume. */
  public static final String MESSAGING_DESTINATION_NAME = "messaging.destination.name";
  /** The logical name of the service called, when the caller knows it. */
  public static final String PEER_SERVICE = "peer.service";

  // ---- Older names, still read by the exporter -------------------------------------------------------------------

  /** Older spelling of {@link #URL_FULL}. */
  public static final String HTTP_URL = "http.url";
  /** Older spelling of {@link #HTTP_REQUEST_METHOD}. */
  public static final String HTTP_METHOD = "http.method";
  /** Older spelling of {@link #HTTP_RESPONSE_STATUS_CODE}. */
  public static final String HTTP_STATUS_CODE = "http.status_code";
  /** Older spelling of {@link #DB_NAMESPACE}. */
  public static final String DB_NAME = "db.name";
  /** Older spelling of {@link #DB_QUERY_TEXT}. */
  public static final String DB_STATEMENT = "db.statement";

  // ---- Weft's own ------------------------------------------------------------------------------------------------

  /** Set to {@code true} on a span ended because its subscriber cancelled. */
  public static final String WEFT_CANCELLED = "weft.cancelled";
  /** Rows an update, insert or delete affected, as a number. */
  public static final String WEFT_DB_ROWS_AFFECTED = "weft.db.rows_affected";
}
