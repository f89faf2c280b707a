package io.weft.mongodb;

import com.mongodb.RequestContext;
import com.mongodb.reactivestreams.client.ReactiveContextProvider;
import io.weft.core.Span;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscriber;
import reactor.core.CoreSubscriber;
import reactor.util.context.Context;

/**
 * Hands each operation's subscriber context to the command listener. The driver asks once per subscribed operation,
 * on the subscribing thread; the parent is the span of the subscriber's Reactor context, else the thread-local current
 * span of that thread (a subscriber that is not Reactor's), else none. Never throws: on a failure the operation gets
 * an empty context and its commands start new traces.
 */
final class TracingContextProvider implements ReactiveContextProvider {
  private final MongoTracing tracing;

  TracingContextProvider(MongoTracing tracing) {
    this.tracing = tracing;
  }

  @Override
  public RequestContext getContext(Subscriber<?> subscriber) {
    try {
      Context context = subscriber instanceof CoreSubscriber<?> core ? core.currentContext() : Context.empty();
      return new CommandContext(context, parent(context));
    } catch (RuntimeException | LinkageError e) {
      tracing.failed("reading the subscriber's context", e);
      return new CommandContext(Context.empty(), null);
    }
  }

  private static @Nullable Span parent(Context context) {
    Span span = Span.fromContext(context);
    if (!span.context().isValid()) {
      span = Span.current();
    }
    return span.context().isValid() ? span : null;
  }
}
