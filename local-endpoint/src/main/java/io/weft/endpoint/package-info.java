/**
 * An embeddable Application Insights–compatible ingestion endpoint ("Azurite for Application Insights"): start a
 * {@link io.weft.endpoint.LocalEndpoint}, point any exporter or SDK at its connection string, and query what
 * arrived, over HTTP or in the trace viewer its address serves. Validation is reusable on its own: {@link io.weft.endpoint.EnvelopeValidator}.
 */
@NullMarked
package io.weft.endpoint;

import org.jspecify.annotations.NullMarked;
