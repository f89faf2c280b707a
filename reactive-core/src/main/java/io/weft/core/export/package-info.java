/**
 * The exporter SPI ({@link io.weft.core.export.SpanExporter}, {@link io.weft.core.export.SpanData}) and the two
 * exporters the core ships: an in-memory recorder for tests and a logging exporter.
 */
@NullMarked
package io.weft.core.export;

import org.jspecify.annotations.NullMarked;
