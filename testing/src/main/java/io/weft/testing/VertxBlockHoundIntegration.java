package io.weft.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Makes BlockHound watch Vert.x's event loops ({@code vert.x-eventloop-thread-N}), which Vert.x 5 does not declare
 * itself, and lets Vert.x's own shutdown take its worker pool's lock: {@code vertx.close()} stops the pool from an
 * event loop, a short wait that is Vert.x's, not the code under test. Names only, so it costs nothing where Vert.x is
 * absent.
 *
 * <p>Registered through {@code META-INF/services}, like {@link NettyAllocatorBlockHoundIntegration}.
 */
public final class VertxBlockHoundIntegration implements BlockHoundIntegration {
  @Override
  public void applyTo(BlockHound.Builder builder) {
    builder.nonBlockingThreadPredicate(current ->
            current.or(thread -> thread.getName().startsWith("vert.x-eventloop-thread")))
        .allowBlockingCallsInside("io.vertx.core.internal.WorkerPool", "close");
  }
}
