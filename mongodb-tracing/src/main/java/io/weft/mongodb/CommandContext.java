package io.weft.mongodb;

import com.mongodb.RequestContext;
import io.weft.core.Span;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import reactor.util.context.Context;

/**
 * The driver's per-operation request context, made by {@link TracingContextProvider} when a publisher is subscribed:
 * the subscriber's Reactor {@link Context} (readable by any command listener, as the driver intends) and the span
 * that was current there, which parents every command of the operation (the first batch, its {@code getMore}s, the
 * {@code killCursors} that closes a cursor early).
 *
 * <p>Thread-safe: the driver reads it from its own threads; writes (by other listeners) replace the context
 * atomically under a lock held only for that assignment.
 */
final class CommandContext implements RequestContext {
  private final @Nullable Span parent;
  private volatile Context context;
  /** The first Weft listener that handled a command of this operation; another one on the same client stays out. */
  private volatile @Nullable Object owner;

  CommandContext(Context context, @Nullable Span parent) {
    this.context = context;
    this.parent = parent;
  }

  /** The span current where the operation was subscribed; null when none was. */
  @Nullable Span parent() {
    return parent;
  }

  /** Whether {@code listener} handles this operation's commands: the first listener to ask does. */
  boolean claim(Object listener) {
    Object current = owner;
    if (current == null) {
      synchronized (this) {
        if (owner == null) {
          owner = listener;
        }
        current = owner;
      }
    }
    return current == listener;
  }

  @Override
  public <T> T get(Object key) {
    return context.get(key);
  }

  @Override
  public boolean hasKey(Object key) {
    return context.hasKey(key);
  }

  @Override
  public boolean isEmpty() {
    return context.isEmpty();
  }

  @Override
  public synchronized void put(Object key, Object value) {
    context = context.put(key, value);
  }

  @Override
  public synchronized void delete(Object key) {
    context = context.delete(key);
  }

  @Override
  public int size() {
    return context.size();
  }

  @Override
  public Stream<Map.Entry<Object, Object>> stream() {
    return context.stream();
  }

  @Override
  public String toString() {
    return "CommandContext{parent=" + parent + ", " + context + "}";
  }
}
