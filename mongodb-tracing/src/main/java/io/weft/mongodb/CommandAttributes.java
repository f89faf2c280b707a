package io.weft.mongodb;

import io.weft.core.AttributeSource;
import io.weft.core.instrumentation.DbTarget;
import io.weft.core.instrumentation.SemanticAttributes;
import org.jspecify.annotations.Nullable;

/**
 * A command span's attributes known when it starts, added when the span is exported: the target's ({@code
 * db.system}, database, server), {@code db.operation.name} and {@code db.collection.name}.
 */
record CommandAttributes(DbTarget target, String operation, @Nullable String collection) implements AttributeSource {
  @Override
  public void addTo(Sink sink) {
    target.addTo(sink);
    sink.put(SemanticAttributes.DB_OPERATION_NAME, operation);
    sink.put(SemanticAttributes.DB_COLLECTION_NAME, collection);
  }
}
