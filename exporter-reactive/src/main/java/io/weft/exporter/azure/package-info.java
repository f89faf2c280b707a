/**
 * The Application Insights exporter: {@link io.weft.exporter.azure.AzureMonitorExporter}, built by {@link
 * io.weft.exporter.azure.AzureMonitorExporterBuilder} (a bounded queue, batches, gzip NDJSON over reactor-netty,
 * retries, disk spill while the endpoint is failing, every span counted in {@link
 * io.weft.exporter.azure.ExporterMetrics}), and {@link io.weft.exporter.azure.ConnectionString} (parsing and
 * endpoint resolution). The stages and the span-to-envelope mapping are package-private.
 */
@NullMarked
package io.weft.exporter.azure;

import org.jspecify.annotations.NullMarked;
