package io.weft.examples;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.weft.core.Tracer;
import io.weft.mongodb.MongoTracing;
import java.net.InetSocketAddress;
import org.bson.Document;

/**
 * The inventory's MongoDB: an in-memory server speaking MongoDB's wire protocol on 127.0.0.1 (so the example needs
 * nothing installed) and a reactive driver client traced with {@code weft-mongodb-tracing}. Pointing the client at
 * a real MongoDB changes only the connection string.
 */
final class StockDatabase implements AutoCloseable {
  private final MongoServer server;
  private final MongoClient client;

  private StockDatabase(MongoServer server, MongoClient client) {
    this.server = server;
    this.client = client;
  }

  /** Starts the server on a free port and connects a client whose commands {@code tracer} traces. */
  static StockDatabase start(Tracer tracer) {
    MongoServer server = new MongoServer(new MemoryBackend());
    server.bind("127.0.0.1", 0);
    InetSocketAddress address = server.getLocalAddress();
    MongoClient client = MongoClients.create(MongoTracing.create(tracer)
        .configure(MongoClientSettings.builder())
        .applyConnectionString(new ConnectionString("mongodb://127.0.0.1:" + address.getPort()))
        .build());
    return new StockDatabase(server, client);
  }

  /** The stock kept by this database. */
  Stock stock() {
    return new Stock(client.getDatabase("inventory").getCollection("reservations", Document.class));
  }

  @Override
  public void close() {
    client.close();
    server.shutdownNow();
  }
}
