/** Weft's Spring Boot auto-configuration: tracer, WebFlux server spans, WebClient, R2DBC and MongoDB tracing. */
@NullMarked
package io.weft.spring;

import org.jspecify.annotations.NullMarked;
