package io.weft.exporter.azure;

import com.fasterxml.jackson.core.JsonGenerator;
import io.weft.core.export.SpanData;
import java.io.IOException;

/**
 * Turns one span into its envelopes: the per-span step of the encoder stage. {@link EnvelopeMapper} is the
 * Application Insights mapping; tests and benchmarks plug others in through the exporter's package-private
 * constructor.
 *
 * <p>Called on the exporter's worker only. A failure (anything thrown, the span's data is the application's) drops
 * that span as {@code ENCODING_FAILED}; the batch goes on.
 */
interface SpanEncoder {

  /** How many envelopes {@code span} makes (1, or 2 for a request with a recorded exception). */
  int envelopes(SpanData span);

  /** Writes envelope {@code index} ({@code 0 <= index < envelopes(span)}) of {@code span} as one JSON document. */
  void write(SpanData span, int index, JsonGenerator out) throws IOException;
}
