/**
 * The Application Insights exporter (issue #4). Built so far: {@link io.weft.exporter.azure.ConnectionString}
 * (parsing and endpoint resolution, spec rule 15) and the span-to-envelope mapping and gzip NDJSON encoding (rules
 * 2–7), verified against the local endpoint's validator. The sending pipeline (queue, batcher, sender, retries,
 * disk spill, accounting) is still to come.
 */
@NullMarked
package io.weft.exporter.azure;

import org.jspecify.annotations.NullMarked;
