/**
 * Abstract integration suites for HTTP tracing: {@link io.weft.testing.http.AbstractHttpClientTracingTest} is what
 * every traced HTTP client (reactor-netty, the JDK's, Vert.x's) passes, each through a small subclass.
 */
@NullMarked
package io.weft.testing.http;

import org.jspecify.annotations.NullMarked;
