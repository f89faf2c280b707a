package io.weft.mongodb;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;
import java.util.function.UnaryOperator;

/** An in-memory MongoDB wire-protocol server on 127.0.0.1 and a random port, and clients for it. */
final class MongoServerFixture implements AutoCloseable {
  private final MongoServer server = new MongoServer(new MemoryBackend());
  private final InetSocketAddress address;

  MongoServerFixture() {
    server.bind("127.0.0.1", 0);
    this.address = server.getLocalAddress();
  }

  int port() {
    return address.getPort();
  }

  /** A client on this server whose settings {@code configure} finishes (adding tracing, say). */
  MongoClient client(UnaryOperator<MongoClientSettings.Builder> configure) {
    return MongoClients.create(configure.apply(MongoClientSettings.builder()
            .applyConnectionString(new ConnectionString("mongodb://127.0.0.1:" + port())))
        .build());
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
