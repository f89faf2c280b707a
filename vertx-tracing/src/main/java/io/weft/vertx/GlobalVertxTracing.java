package io.weft.vertx;

import io.weft.core.Tracer;
import io.weft.core.instrumentation.DbTracing;
import io.weft.core.instrumentation.HttpTracing;

/**
 * The tracer factory Vert.x finds by service loading ({@code META-INF/services/io.vertx.core.spi.VertxServiceProvider})
 * when tracing options are set and no factory is given: Weft with the global tracer ({@link Tracer#global()},
 * configured from system properties and the environment).
 */
public final class GlobalVertxTracing extends VertxTracing {
  public GlobalVertxTracing() {
    this(Tracer.global());
  }

  private GlobalVertxTracing(Tracer global) {
    super(HttpTracing.create(global), DbTracing.create(global));
  }
}
