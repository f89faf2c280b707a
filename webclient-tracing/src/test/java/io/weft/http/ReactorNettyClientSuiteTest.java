package io.weft.http;

import io.weft.core.ContextKeys;
import io.weft.core.Span;
import io.weft.testing.http.AbstractHttpClientTracingTest;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.util.context.Context;

/** The shared HTTP client suite against reactor-netty's client: the parent travels in the Reactor context. */
class ReactorNettyClientSuiteTest extends AbstractHttpClientTracingTest {
  final HttpClient client = HttpClientTracing.create(tracer).decorate(HttpClient.create());

  @Override
  protected int get(String url, @Nullable Span parent) {
    Mono<Integer> call = client.get().uri(url)
        .responseSingle((response, body) -> body.asByteArray().then(Mono.just(response.status().code())));
    if (parent != null) {
      call = call.contextWrite(Context.of(ContextKeys.SPAN, parent));
    }
    return Objects.requireNonNull(call.block(TIMEOUT));
  }
}
