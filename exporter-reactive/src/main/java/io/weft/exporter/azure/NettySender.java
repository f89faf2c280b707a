package io.weft.exporter.azure;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.net.URI;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Posts batches with reactor-netty over its own small connection pool. The exporter's own calls are a plain,
 * undecorated client: they never produce spans. Non-blocking; thread-safe.
 */
final class NettySender implements Sender {
  private final ConnectionProvider connections;
  private final HttpClient client;

  NettySender(ExporterSettings settings) {
    this.connections = ConnectionProvider.builder("weft-exporter")
        .maxConnections(Math.max(2, settings.maxInFlight() + 1)).pendingAcquireMaxCount(-1).build();
    this.client = HttpClient.create(connections)
        .responseTimeout(settings.responseTimeout())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
            settings.connectTimeout().toMillis()))
        .option(ChannelOption.TCP_NODELAY, true)
        .headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/x-json-stream")
            .set(HttpHeaderNames.CONTENT_ENCODING, "gzip").set(HttpHeaderNames.USER_AGENT, ""));
  }

  @Override
  public Mono<Response> send(URI url, byte[] gzipBody) {
    return client.post().uri(url)
        .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(gzipBody)))
        .responseSingle((response, content) -> content.asString().defaultIfEmpty("").map(text -> new Response(
            response.status().code(), response.responseHeaders().get(HttpHeaderNames.RETRY_AFTER),
            response.responseHeaders().get(HttpHeaderNames.LOCATION), text)));
  }

  @Override
  public Mono<Void> close() {
    return connections.disposeLater();
  }
}
