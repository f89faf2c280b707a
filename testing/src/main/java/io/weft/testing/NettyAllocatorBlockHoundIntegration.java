package io.weft.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Lets Netty's adaptive buffer allocator take its own short internal lock on an event loop. When two threads grow
 * the allocator's magazines at once, {@code AdaptivePoolingAllocator$Magazine.free} waits on a {@code StampedLock}
 * (Netty 4.2.9–4.2.17 do not list it in their own BlockHound integration), and BlockHound then fails whatever
 * reactor-netty call happened to allocate a buffer, at random. It is not the code under test.
 *
 * <p>Registered through {@code META-INF/services}, so {@code BlockHound.install()} picks it up wherever
 * {@code weft-testing} is on the test class path.
 */
public final class NettyAllocatorBlockHoundIntegration implements BlockHoundIntegration {
  @Override
  public void applyTo(BlockHound.Builder builder) {
    builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free");
  }
}
