package io.weft.core;

/**
 * Restores the previous thread-local current span when closed. Closing twice is harmless.
 */
public interface Scope extends AutoCloseable {
  @Override
  void close();
}
