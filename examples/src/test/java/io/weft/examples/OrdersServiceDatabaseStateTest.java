package io.weft.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.Tracer;
import io.weft.core.export.InMemorySpanExporter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.HttpClient;

/** The database state the example prints when a request never got an answer. */
class OrdersServiceDatabaseStateTest {

  @Test
  void databaseStateCountsTheSessionsStillOpen() {
    Tracer tracer = Tracer.builder().serviceName("orders").exporter(InMemorySpanExporter.create()).build();
    OrdersService service = OrdersService.start(tracer, "http://127.0.0.1:9");
    try {
      String body = HttpClient.create().get().uri(service.baseUrl() + "/orders/1")
          .responseSingle((response, content) -> content.asString()).block(Duration.ofSeconds(10));
      assertThat(body).contains("\"id\":1");
      // The request's session closed once it was answered; the count leaves out the session that counts.
      assertThat(service.databaseState()).isEqualTo("0 sessions open");
    } finally {
      service.close();
    }
  }
}
