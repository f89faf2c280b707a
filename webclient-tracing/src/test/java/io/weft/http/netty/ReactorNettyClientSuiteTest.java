package io.weft.http.netty;

import io.weft.core.ContextKeys;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.testing.http.AbstractHttpClientTracingTest;
import java.util.Objects;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.util.context.Context;

/** The shared HTTP client suite against reactor-netty's client: the parent travels in the Reactor context. */
class ReactorNettyClientSuiteTest extends AbstractHttpClientTracingTest {

  @Override
  protected Client client(HttpTracing tracing) {
    HttpClient client = ReactorNettyClientTracing.create(tracing).decorate(HttpClient.create());
    return (url, parent) -> {
      Mono<Integer> call = client.get().uri(url)
          .responseSingle((response, body) -> body.asByteArray().then(Mono.just(response.status().code())));
      if (parent != null) {
        call = call.contextWrite(Context.of(ContextKeys.SPAN, parent));
      }
      return Objects.requireNonNull(call.block(TIMEOUT));
    };
  }
}
