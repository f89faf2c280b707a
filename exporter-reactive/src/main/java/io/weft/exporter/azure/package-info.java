/**
 * The Application Insights exporter: {@link io.weft.exporter.azure.AzureMonitorExporter} (bounded queue, batches,
 * gzip NDJSON over reactor-netty, retries, disk spill, accounting in {@link io.weft.exporter.azure.ExporterMetrics})
 * and {@link io.weft.exporter.azure.ConnectionString} (parsing and endpoint resolution, spec rule 15); the
 * span-to-envelope mapping (rules 2–7) is package-private.
 */
@NullMarked
package io.weft.exporter.azure;

import org.jspecify.annotations.NullMarked;
