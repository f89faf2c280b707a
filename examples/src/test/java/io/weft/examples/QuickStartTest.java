package io.weft.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.StatusCode;
import io.weft.core.export.SpanData;
import io.weft.testing.SpanAssert;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuickStartTest {

  @Test
  void printsHelloAndOneCorrectlyParentedTrace() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    QuickStart.Result result = QuickStart.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), null);
    List<SpanData> spans = result.spans();
    String output = bytes.toString(StandardCharsets.UTF_8);
    assertThat(result.allDelivered()).as(result.metrics().toString()).isTrue();
    assertThat(result.metrics().delivered()).isEqualTo(8);
    assertThat(result.received()).isNotNull().hasSize(1);
    assertThat(result.received().get(0).render()).startsWith("Request GET /orders/42")
        .contains("  RemoteDependency load-order", "  RemoteDependency charge-card");

    assertThat(output).contains("Hello, World!", "order total: 60", "Recorded spans (8)");
    SpanData foo = find(spans, "foo");
    SpanAssert.assertThat(foo).hasNoParent();
    SpanData request = find(spans, "GET /orders/42");
    SpanAssert.assertThat(request).hasNoParent().hasAttribute("order.total", 60);
    SpanAssert.assertThat(find(spans, "load-order")).hasParent(request).hasAttribute("db.system", "h2");
    assertThat(spans.stream().filter(s -> s.name().equals("price-item")))
        .hasSize(3).allSatisfy(s -> SpanAssert.assertThat(s).hasParent(request));
    List<SpanData> charges = spans.stream().filter(s -> s.name().equals("charge-card")).toList();
    assertThat(charges).extracting(SpanData::status).containsExactly(StatusCode.ERROR, StatusCode.UNSET);
    assertThat(charges).allSatisfy(s -> SpanAssert.assertThat(s).hasParent(request));
    assertThat(output).contains("trace " + request.traceId(), "ERROR: card declined (transient)");
  }

  private static SpanData find(List<SpanData> spans, String name) {
    return spans.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }
}
