package io.weft.vertx;

import io.weft.core.Tracer;

/**
 * The tracer factory Vert.x finds by service loading ({@code META-INF/services/io.vertx.core.spi.VertxServiceProvider})
 * when tracing options are set and no factory is given: Weft with the global tracer ({@link Tracer#global()},
 * configured from system properties and the environment).
 */
public final class GlobalVertxTracing extends VertxTracing {
  public GlobalVertxTracing() {
    super(VertxTracing.builder(Tracer.global()));
  }
}
