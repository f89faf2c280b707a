package io.weft.core.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;

/**
 * Logs the first failure of one kind at WARN, saying that later ones go to DEBUG, and every later one at DEBUG. The
 * caller counts; this class only keeps logs from flooding when something fails on every span.
 *
 * <p>Thread-safe and non-blocking apart from what the logging backend does.
 *
 * <p>Internal: not a public API.
 */
public final class FailureLog {
  private final Logger logger;
  private final String what;
  private final AtomicBoolean warned = new AtomicBoolean();

  /** A log for failures described as {@code what}, e.g. "exporter failed". */
  public FailureLog(Logger logger, String what) {
    this.logger = logger;
    this.what = what;
  }

  /** Logs {@code error} with {@code detail}; the throwable is passed as an argument, never concatenated. */
  public void log(String detail, Throwable error) {
    try {
      if (!warned.get() && warned.compareAndSet(false, true)) {
        logger.warn("{}: {} (subsequent failures at DEBUG)", what, detail, error);
      } else if (logger.isDebugEnabled()) {
        logger.debug("{}: {}", what, detail, error);
      }
    } catch (RuntimeException | LinkageError loggingFailed) {
      // A broken logging backend must not break the traced application either.
    }
  }
}
