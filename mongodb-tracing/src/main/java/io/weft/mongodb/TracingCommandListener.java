package io.weft.mongodb;

import com.mongodb.MongoException;
import com.mongodb.MongoServerException;
import com.mongodb.RequestContext;
import com.mongodb.ServerAddress;
import com.mongodb.event.CommandFailedEvent;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import com.mongodb.event.CommandSucceededEvent;
import io.weft.core.Span;
import io.weft.core.SpanBuilder;
import io.weft.core.instrumentation.DbTarget;
import io.weft.core.instrumentation.DbTracing;
import io.weft.core.instrumentation.SemanticAttributes;
import java.util.concurrent.ConcurrentHashMap;
import org.bson.BsonDocument;
import org.jspecify.annotations.Nullable;

/**
 * Turns the driver's command events into CLIENT spans: started → span started, succeeded or failed → span ended,
 * matched by the command's request id (unique in the JVM). The parent comes from the operation's {@link
 * CommandContext}; a command without one (another context provider, the synchronous driver) takes the thread-local
 * current span of the thread that sends it, and with none starts a new trace, as the sampler decides.
 *
 * <p>The driver calls it on whichever thread runs the command (the subscriber's, or its own I/O threads): it does
 * not block and never throws into the driver. At most {@link #MAX_IN_FLIGHT} spans wait for their reply; beyond that
 * commands run untraced and are counted as failures, so a driver that lost a reply cannot grow memory without bound.
 */
final class TracingCommandListener implements CommandListener {
  /** Commands in flight at once that get a span. */
  static final int MAX_IN_FLIGHT = 16_384;

  private final MongoTracing tracing;
  private final DbTracing db;
  private final ConcurrentHashMap<Integer, Span> inFlight = new ConcurrentHashMap<>();

  TracingCommandListener(MongoTracing tracing, DbTracing db) {
    this.tracing = tracing;
    this.db = db;
  }

  @Override
  public void commandStarted(CommandStartedEvent event) {
    try {
      String name = event.getCommandName();
      if (MongoCommands.isDriverOwn(name)) {
        return;
      }
      RequestContext context = event.getRequestContext();
      Span parent;
      if (context instanceof CommandContext operation) {
        if (!operation.claim(this)) {
          return; // a second Weft listener on the same client: the first one traces it
        }
        parent = operation.parent();
      } else {
        Span current = Span.current();
        parent = current.context().isValid() ? current : null;
      }
      if (inFlight.size() >= MAX_IN_FLIGHT) {
        tracing.failed("starting a MongoDB span", TooManyInFlight.INSTANCE);
        return;
      }
      start(event, name, parent);
    } catch (RuntimeException | LinkageError e) {
      tracing.failed("starting a MongoDB span", e);
    }
  }

  /** Reads the command once: its collection, then (for a recorded span) its shape from the same bytes. */
  private void start(CommandStartedEvent event, String name, @Nullable Span parent) {
    BsonDocument command = event.getCommand();
    try (BsonScanner scanner = BsonScanner.open(command)) {
      String collection = MongoCommands.collection(name, scanner);
      DbTarget target = target(event.getDatabaseName(), event.getConnectionDescription().getServerAddress());
      String shape = null;
      if (!db.standardNames()) { // a custom namer may read the shape: build it before the span
        scanner.rewind();
        shape = CommandShape.of(name, scanner, collection, tracing.maxQueryTextLength());
      }
      SpanBuilder builder = db.spanBuilder(db.spanName(target, name, collection, shape != null ? shape : ""), target)
          .attributes(new CommandAttributes(target, name, collection));
      Span span = (parent != null ? builder.parent(parent) : builder.noParent()).start();
      if (!span.isRecording()) {
        return;
      }
      if (db.recordQueryText()) {
        if (!db.sanitizeQueryText()) {
          shape = CommandShape.raw(command, tracing.maxQueryTextLength());
        } else if (shape == null) {
          scanner.rewind();
          shape = CommandShape.of(name, scanner, collection, tracing.maxQueryTextLength());
        }
        span.setAttribute(SemanticAttributes.DB_QUERY_TEXT, shape);
      }
      inFlight.put(event.getRequestId(), span);
    }
  }

  private static DbTarget target(String database, ServerAddress server) {
    return new DbTarget(DbTarget.MONGODB, database, server.getHost(), server.getPort());
  }

  @Override
  public void commandSucceeded(CommandSucceededEvent event) {
    Span span = inFlight.remove(event.getRequestId());
    if (span == null) {
      return;
    }
    try {
      CommandReply reply = CommandReply.of(event.getCommandName(), event.getResponse());
      DbTracing.counts(span, reply.returnedRows(), reply.rowsAffected());
      String errorType = reply.errorType();
      if (errorType != null) {
        DbTracing.failure(span, errorType, reply.message(), reply.code());
      }
    } catch (RuntimeException | LinkageError e) {
      tracing.failed("reading a MongoDB reply", e);
    } finally {
      span.end();
    }
  }

  @Override
  public void commandFailed(CommandFailedEvent event) {
    Span span = inFlight.remove(event.getRequestId());
    if (span == null) {
      return;
    }
    try {
      Throwable error = event.getThrowable();
      DbTracing.failure(span, error, serverCode(error));
    } catch (RuntimeException | LinkageError e) {
      tracing.failed("recording a MongoDB failure", e);
    } finally {
      span.end();
    }
  }

  /** The server's error code of a failure the server reported; null for client-side failures (socket, timeout). */
  static @Nullable String serverCode(Throwable error) {
    if (error instanceof MongoServerException server) {
      return Integer.toString(server.getCode());
    }
    return error instanceof MongoException mongo && mongo.getCode() > 0 ? Integer.toString(mongo.getCode()) : null;
  }

  /** Spans waiting for a reply now. */
  int inFlight() {
    return inFlight.size();
  }

  /** Reported when {@link #MAX_IN_FLIGHT} spans wait for replies; no stack trace (it is not where the fault is). */
  private static final class TooManyInFlight extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    static final TooManyInFlight INSTANCE = new TooManyInFlight();

    private TooManyInFlight() {
      super(MAX_IN_FLIGHT + " MongoDB commands await their reply; further commands run untraced until some end");
      setStackTrace(new StackTraceElement[0]);
    }
  }
}
