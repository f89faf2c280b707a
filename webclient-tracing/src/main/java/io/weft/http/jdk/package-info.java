/**
 * Tracing for the JDK's {@link java.net.http.HttpClient}: {@link io.weft.http.jdk.JdkHttpClientTracing} decorates a
 * client; a thin adapter on {@link io.weft.core.instrumentation.HttpClientHandler}.
 */
@NullMarked
package io.weft.http.jdk;

import org.jspecify.annotations.NullMarked;
