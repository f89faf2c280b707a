package io.weft.core;

/**
 * What a span describes, as OpenTelemetry defines it. The Application Insights exporter maps {@code SERVER} and
 * {@code CONSUMER} to request telemetry and the others to dependency telemetry ({@code INTERNAL} as {@code InProc}).
 */
public enum SpanKind {
  /** In-process work. */
  INTERNAL,
  /** An outgoing call: HTTP, SQL, MongoDB. */
  CLIENT,
  /** An incoming request. */
  SERVER,
  /** A message sent to a broker. */
  PRODUCER,
  /** A message received from a broker. */
  CONSUMER
}
