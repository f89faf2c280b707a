package io.weft.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingMethod;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Runs a test class under BlockHound and fails each test that made a blocking call on a non-blocking thread (a
 * Reactor scheduler's, a Netty or Vert.x event loop), also when a library caught BlockHound's error and only logged
 * it.
 *
 * <pre>{@code
 * @ExtendWith(BlockHoundExtension.class)
 * class MyBlockHoundTest { … }
 * }</pre>
 *
 * <p>BlockHound is installed once per JVM, with every {@code BlockHoundIntegration} on the class path (this kit
 * registers {@link NettyAllocatorBlockHoundIntegration} and {@link VertxBlockHoundIntegration}); the extension then
 * proves it is active, so that a JVM started without {@code -XX:+AllowRedefinitionToAddDeleteMethods} (JDK 13+)
 * fails loudly instead of passing every test. A test that blocks on purpose takes what it expects with {@link
 * #takeDetected()}.
 */
public final class BlockHoundExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback {
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
  /** What the callback saw; formatted only on the test thread (formatting may itself block). */
  private static final Queue<Detection> detected = new ConcurrentLinkedQueue<>();
  private static boolean installed;

  @Override
  public void beforeAll(ExtensionContext context) {
    install();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    detected.clear();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    List<String> calls = takeDetected();
    if (!calls.isEmpty() && context.getExecutionException().isEmpty()) {
      throw new AssertionError("blocking calls on non-blocking threads: " + calls);
    }
  }

  /** The blocking calls detected since the test began ({@code method on thread}), forgotten once taken. */
  public static List<String> takeDetected() {
    List<String> calls = new ArrayList<>();
    for (Detection call; (call = detected.poll()) != null; ) {
      calls.add(call.method() + " on " + call.thread() + call.where());
    }
    return calls;
  }

  /** A detected call: the method, the thread, and the frames that led to it (formatted on the test thread). */
  private record Detection(BlockingMethod method, String thread, StackTraceElement[] stack) {
    private static final int FRAMES = 15;

    /** The callers of the blocking method, innermost first, without BlockHound's and the JDK's own frames. */
    String where() {
      StringBuilder where = new StringBuilder();
      int shown = 0;
      for (StackTraceElement frame : stack) {
        String type = frame.getClassName();
        if (type.startsWith("reactor.blockhound.") || type.startsWith("io.weft.testing.BlockHoundExtension")
            || type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun.")) {
          continue;
        }
        where.append("\n    at ").append(frame);
        if (++shown == FRAMES) {
          break;
        }
      }
      return where.toString();
    }
  }

  private static synchronized void install() {
    if (installed) {
      return;
    }
    BlockHound.install(builder -> builder.blockingMethodCallback(method -> {
      detected.add(new Detection(method, Thread.currentThread().getName(), new Throwable().getStackTrace()));
      throw new BlockingOperationError(method);
    }));
    installed = true;
    Throwable probe = null;
    try {
      Mono.fromCallable(() -> {
        Thread.sleep(1);
        return 1;
      }).subscribeOn(Schedulers.single()).block(PROBE_TIMEOUT);
    } catch (RuntimeException | Error e) {
      probe = e;
    }
    detected.clear();
    if (probe == null || !String.valueOf(probe.getMessage()).contains("Blocking call")) {
      throw new IllegalStateException("BlockHound is not active: a sleep on a Reactor thread went unnoticed (JDK 13+ "
          + "needs -XX:+AllowRedefinitionToAddDeleteMethods)", probe);
    }
  }
}
