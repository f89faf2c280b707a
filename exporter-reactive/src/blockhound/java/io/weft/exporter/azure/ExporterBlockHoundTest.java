package io.weft.exporter.azure;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.core.Tracer;
import io.weft.endpoint.LocalEndpoint;
import io.weft.testing.BlockHoundExtension;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Handing spans over on event-loop threads, batching, encoding, sending, retrying and accounting never block: spans
 * are produced on parallel (non-blocking) threads while the endpoint fails, redirects nothing, resets and recovers.
 */
@ExtendWith(BlockHoundExtension.class)
class ExporterBlockHoundTest {

  @Test
  void thePipelineNeverBlocks(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    try (LocalEndpoint endpoint = LocalEndpoint.start()) {
      AzureMonitorExporter exporter = AzureMonitorExporter.builder().connectionString(endpoint.connectionString())
          .persistenceDirectory(dir).linger(Duration.ofMillis(10)).maxBatchSize(50).maxRetries(1)
          .backoff(Duration.ofMillis(5), Duration.ofMillis(20)).build();
      Tracer tracer = Tracer.builder().serviceName("svc").exporter(exporter).build();
      // Two failures in a row exhaust one batch's retries: it is spilled to disk, then resent after a success.
      endpoint.faults().respond(503).respond(503).partialSuccess(Map.of(0, 500, 1, 400)).resetConnection()
          .respond(429);
      Flux.range(0, 2_000)
          .flatMap(i -> Mono.fromRunnable(() -> tracer.spanBuilder("op").start().end())
              .subscribeOn(Schedulers.parallel()), 16)
          .then()
          .block(Duration.ofSeconds(30));
      exporter.flush().block(Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (exporter.metrics().pending() > 0 && System.nanoTime() < deadline) {
        tracer.spanBuilder("nudge").start().end(); // successes pull spilled files back
        exporter.flush().block(Duration.ofSeconds(30));
      }
      ExporterMetrics metrics = exporter.metrics();
      assertThat(metrics.persisted()).isPositive();
      assertThat(metrics.pending()).isZero();
      assertThat(metrics.internalFailures()).as("failures on the exporter's own threads").isZero();
      assertThat(metrics.delivered() + metrics.dropped()).isEqualTo(metrics.handedOver());
      assertThat(metrics.dropped()).isEqualTo(metrics.dropped(ExporterMetrics.DropReason.REJECTED)).isEqualTo(1);
      exporter.shutdown().block(Duration.ofSeconds(30));
    }
  }
}
