package io.weft.endpoint;

/**
 * A snapshot of an endpoint's counters.
 *
 * @param requestsReceived track requests received (any outcome, faults included)
 * @param itemsReceived envelopes found in those requests
 * @param itemsAccepted envelopes accepted (stored, or counted in count-only mode)
 * @param itemsRejected envelopes rejected: invalid, or failed on purpose by an injected fault
 * @param bytesReceived request body bytes as sent (compressed when gzip)
 * @param bytesInflated request body bytes after decompression
 * @param itemsEvicted accepted envelopes dropped from memory because the store was full
 */
public record EndpointStats(
    long requestsReceived,
    long itemsReceived,
    long itemsAccepted,
    long itemsRejected,
    long bytesReceived,
    long bytesInflated,
    long itemsEvicted) {}
