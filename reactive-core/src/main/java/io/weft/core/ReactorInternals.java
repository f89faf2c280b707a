package io.weft.core;

import java.lang.reflect.Field;
import org.jspecify.annotations.Nullable;
import reactor.core.Scannable;

/**
 * Reactor's package-private {@code InternalProducerAttr}, looked up once by reflection.
 *
 * <p>Why: with {@code Hooks.enableAutomaticContextPropagation()}, {@code Mono.subscribe} and {@code Flux.subscribe}
 * wrap every publisher that does not report this attribute in a subscriber that restores all thread-locals from
 * the context around every signal: about 900 bytes and several hundred nanoseconds per subscription. Weft's span
 * operators keep their own thread-local in step with the context (see {@link SpanSubscriber}) and never change
 * threads, exactly like Reactor's internal operators, so they report it too. If a Reactor version hides or renames
 * the attribute, this is null and the operators are simply wrapped: correct, only slower.
 */
final class ReactorInternals {
  static final Scannable.@Nullable Attr<?> INTERNAL_PRODUCER = find();

  private ReactorInternals() {}

  private static Scannable.@Nullable Attr<?> find() {
    try {
      Class<?> type = Class.forName("reactor.core.publisher.InternalProducerAttr");
      Field instance = type.getDeclaredField("INSTANCE");
      instance.setAccessible(true);
      Object value = instance.get(null);
      return value instanceof Scannable.Attr ? (Scannable.Attr<?>) value : null;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
  }
}
