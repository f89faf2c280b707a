package io.weft.mongodb;

import com.mongodb.ContextProvider;
import com.mongodb.MongoClientSettings;
import com.mongodb.event.CommandListener;
import com.mongodb.reactivestreams.client.ReactiveContextProvider;
import io.weft.core.Tracer;
import io.weft.core.instrumentation.DbTracing;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Traces the MongoDB reactive-streams driver: every command a client sends (a {@code find}, each {@code getMore} of
 * its cursor, an {@code insert}, a {@code commitTransaction}, …) becomes a CLIENT span, a {@code mongodb} dependency
 * in Application Insights, parented by the span current where the publisher was subscribed.
 *
 * <pre>{@code
 * MongoTracing tracing = MongoTracing.create(tracer);
 * MongoClient client = MongoClients.create(tracing.configure(MongoClientSettings.builder())
 *     .applyConnectionString(new ConnectionString("mongodb://localhost"))
 *     .build());
 * }</pre>
 *
 * <p>{@link #configure} adds a command listener and sets the client's context provider; with Spring Boot, {@code
 * tracing::configure} is a {@code MongoClientSettingsBuilderCustomizer}. The context provider gives each operation
 * the subscriber's Reactor context, so the parent is found across scheduler hops without a thread-local. Spans are
 * named {@code command collection} ({@code find orders}), or the command alone; they carry {@code db.system} {@code
 * mongodb}, the database, collection, operation, server address and port, the command's shape as {@code
 * db.query.text} (every value replaced, see the module's README), the rows returned or written, and on failure the
 * server's error code. Settings (recording and sanitizing the text, span names) are {@link DbTracing}'s.
 *
 * <p>Immutable and thread-safe. Nothing here blocks or throws into the driver.
 */
public final class MongoTracing {
  private static final Logger LOG = LoggerFactory.getLogger(MongoTracing.class);

  private final DbTracing db;
  private final int maxQueryTextLength;
  private final TracingCommandListener listener;
  private final TracingContextProvider contextProvider;

  private MongoTracing(DbTracing db, int maxQueryTextLength) {
    this.db = db;
    this.maxQueryTextLength = maxQueryTextLength;
    this.listener = new TracingCommandListener(this, db);
    this.contextProvider = new TracingContextProvider(this);
  }

  /** MongoDB tracing with the default database settings. */
  public static MongoTracing create(Tracer tracer) {
    return create(DbTracing.create(tracer));
  }

  /** MongoDB tracing with the given database settings, shared with the other database integrations. */
  public static MongoTracing create(DbTracing db) {
    return new MongoTracing(Objects.requireNonNull(db, "db"), CommandShape.DEFAULT_MAX_LENGTH);
  }

  /**
   * Adds Weft's command listener to {@code builder} and makes Weft's the context provider (replacing one set
   * before: a client has one). Returns {@code builder}.
   */
  public MongoClientSettings.Builder configure(MongoClientSettings.Builder builder) {
    return builder.addCommandListener(listener).contextProvider(contextProvider);
  }

  /**
   * {@code settings} traced: the same settings when a Weft listener is installed already, else a copy with {@link
   * #configure} applied. A context provider of another library is replaced, with a warning.
   */
  public MongoClientSettings trace(MongoClientSettings settings) {
    if (isTraced(settings)) {
      return settings;
    }
    ContextProvider previous = settings.getContextProvider();
    if (previous != null) {
      LOG.warn("MongoDB context provider {} replaced by Weft's: a client has one, and Weft's carries the parent span",
          previous.getClass().getName());
    }
    return configure(MongoClientSettings.builder(settings)).build();
  }

  /** Whether {@code settings} carry a Weft command listener (of any {@code MongoTracing}). */
  public static boolean isTraced(MongoClientSettings settings) {
    return settings.getCommandListeners().stream().anyMatch(TracingCommandListener.class::isInstance);
  }

  /** The command listener, for code that builds its settings by hand (pair it with {@link #contextProvider()}). */
  public CommandListener commandListener() {
    return listener;
  }

  /** The context provider that hands each operation's Reactor context and parent span to the listener. */
  public ReactiveContextProvider contextProvider() {
    return contextProvider;
  }

  /** The database settings. */
  public DbTracing dbTracing() {
    return db;
  }

  /** How many times MongoDB tracing failed (the command then ran untraced, or its span was cut short). */
  public long failures() {
    return db.failures();
  }

  int maxQueryTextLength() {
    return maxQueryTextLength;
  }

  void failed(String where, Throwable error) {
    db.failed(where, error);
  }

  @Override
  public String toString() {
    return "MongoTracing{" + db + "}";
  }
}
