package app;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.weft.core.Tracer;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.endpoint.LocalEndpoint;
import io.weft.endpoint.TelemetryItem;
import io.weft.exporter.azure.AzureMonitorExporter;
import io.weft.http.netty.ReactorNettyClientTracing;
import io.weft.http.netty.ReactorNettyServerTracing;
import io.weft.r2dbc.R2dbcTracing;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/** A traced reactor-netty + R2DBC service, its client, and Weft's exporter, as the README shows them. */
public final class Main {
  public static void main(String[] args) {
    try (LocalEndpoint endpoint = LocalEndpoint.start()) { // stands in for Application Insights
      AzureMonitorExporter exporter = AzureMonitorExporter.builder()
          .connectionString(endpoint.connectionString())
          .build();
      Tracer tracer = Tracer.builder().serviceName("consumer").exporter(exporter).build();
      HttpTracing http = HttpTracing.create(tracer);

      ConnectionFactoryOptions options = ConnectionFactoryOptions.parse("r2dbc:h2:mem:///consumer");
      ConnectionFactory db = R2dbcTracing.create(tracer).wrap(ConnectionFactories.get(options), options);

      DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
          .handle(ReactorNettyServerTracing.create(http).routes(routes -> routes.get("/answer", (request, response) ->
              Mono.usingWhen(db.create(),
                      c -> Mono.from(c.createStatement("SELECT 6 * 7").execute())
                          .flatMap(result -> Mono.from(result.map((row, meta) -> row.get(0, Integer.class)))),
                      Connection::close)
                  .flatMap(answer -> response.sendString(Mono.just("answer " + answer)).then()))))
          .bindNow();

      HttpClient client = ReactorNettyClientTracing.create(http).decorate(HttpClient.create());
      String body = client.get().uri("http://127.0.0.1:" + server.port() + "/answer")
          .responseSingle((response, content) -> content.asString())
          .transform(tracer.mono("ask"))
          .block(Duration.ofSeconds(30));
      server.disposeNow(Duration.ofSeconds(10));
      if (!"answer 42".equals(body)) {
        throw new IllegalStateException("unexpected answer: " + body);
      }

      tracer.shutdown().block(Duration.ofSeconds(30)); // flushes the exporter
      // ask (InProc) -> GET /answer (Http) -> GET /answer (Request) -> SELECT (SQL)
      List<TelemetryItem> items = endpoint.store().await(4, Duration.ofSeconds(30));
      Set<String> kinds = new TreeSet<>();
      for (TelemetryItem item : items) {
        kinds.add(item.type() + (item.field("type") != null ? " " + item.field("type") : ""));
      }
      Set<String> expected = Set.of("RemoteDependency InProc", "RemoteDependency Http", "Request",
          "RemoteDependency SQL");
      if (!kinds.containsAll(expected)) {
        throw new IllegalStateException("expected " + expected + " at the endpoint, got " + kinds);
      }
      long traces = items.stream().map(TelemetryItem::operationId).distinct().count();
      if (traces != 1) {
        throw new IllegalStateException("expected one trace, got " + traces + ": " + items);
      }
      System.out.println("readme-consumer: OK, " + items.size() + " items in one trace: " + kinds);
    }
  }
}
