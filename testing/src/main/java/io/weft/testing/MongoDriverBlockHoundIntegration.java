package io.weft.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Lets the MongoDB driver take its own bookkeeping locks on a non-blocking thread. The reactive-streams driver, when
 * an operation is subscribed, registers it with its connection pool under a {@code ReentrantLock} ({@code
 * com.mongodb.internal.Locks}); under contention the subscribing thread parks for the few instructions another
 * thread holds it. That wait is the driver's, on every thread that uses it, not the code under test; without this
 * BlockHound's error, thrown inside the driver's lock, leaves the operation hanging. Names only, so it costs nothing
 * where the driver is absent.
 *
 * <p>Registered through {@code META-INF/services}, like {@link NettyAllocatorBlockHoundIntegration}.
 */
public final class MongoDriverBlockHoundIntegration implements BlockHoundIntegration {
  @Override
  public void applyTo(BlockHound.Builder builder) {
    builder.allowBlockingCallsInside("com.mongodb.internal.Locks", "checkedWithLock");
  }
}
