/**
 * The instrumentation layer every integration is a thin adapter on, public for third-party integrations too.
 *
 * <ul>
 *   <li>{@link io.weft.core.instrumentation.SemanticAttributes}: every attribute key, in one place.
 *   <li>HTTP: {@link io.weft.core.instrumentation.HttpTracing} (the settings shared by every HTTP integration),
 *       {@link io.weft.core.instrumentation.HttpClientHandler} and {@link
 *       io.weft.core.instrumentation.HttpServerHandler} (naming, URL recording and redaction, status, propagation)
 *       over a library's {@link io.weft.core.instrumentation.HttpClientAdapter} or {@link
 *       io.weft.core.instrumentation.HttpServerAdapter}; {@link io.weft.core.instrumentation.HttpSpans}, the rules as
 *       functions.
 *   <li>Databases: {@link io.weft.core.instrumentation.DbTracing} with {@link
 *       io.weft.core.instrumentation.DbTarget}, {@link io.weft.core.instrumentation.SqlSummary} and {@link
 *       io.weft.core.instrumentation.QuerySpanNamer}.
 *   <li>{@link io.weft.core.instrumentation.WatchingSubscriber}, the base of span operators that end a span exactly
 *       once, and {@link io.weft.core.instrumentation.FailureLog}, rate-limited failure logging.
 * </ul>
 */
@NullMarked
package io.weft.core.instrumentation;

import org.jspecify.annotations.NullMarked;
