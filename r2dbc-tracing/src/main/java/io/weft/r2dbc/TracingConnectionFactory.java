package io.weft.r2dbc;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.Wrapped;
import io.weft.core.SpanBuilder;
import io.weft.core.instrumentation.DbTarget;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * A traced connection factory: the connections it creates are traced. With {@link
 * R2dbcTracing.Builder#traceConnectionCreation(boolean)}, acquiring a connection is a {@code connect} span.
 *
 * <p>Thread-safe.
 */
final class TracingConnectionFactory implements ConnectionFactory, Wrapped<ConnectionFactory> {
  /** The name of a connection-creation span. */
  private static final String CONNECT = "connect";

  private final ConnectionFactory delegate;
  private final R2dbcTracing tracing;
  private final DbTarget target;

  TracingConnectionFactory(ConnectionFactory delegate, R2dbcTracing tracing, DbTarget target) {
    this.delegate = delegate;
    this.tracing = tracing;
    this.target = target;
  }

  R2dbcTracing tracing() {
    return tracing;
  }

  @Override
  public Publisher<? extends Connection> create() {
    Mono<? extends Connection> connection = Mono.from(delegate.create());
    if (tracing.traceConnectionCreation()) {
      SpanBuilder span = tracing.db().spanBuilder(CONNECT, target);
      connection = connection.transform(span.mono());
    }
    return connection.map(c -> new TracingConnection(c, tracing, target));
  }

  @Override
  public ConnectionFactoryMetadata getMetadata() {
    return delegate.getMetadata();
  }

  @Override
  public ConnectionFactory unwrap() {
    return delegate;
  }

  @Override
  public String toString() {
    return "Traced[" + delegate + "]";
  }
}
