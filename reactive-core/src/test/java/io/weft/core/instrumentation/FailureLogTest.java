package io.weft.core.instrumentation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

class FailureLogTest {
  final AtomicLong now = new AtomicLong(1_000);
  final CapturingLogger logger = new CapturingLogger();
  final FailureLog log = new FailureLog(logger, "export failed", now::get);
  final RuntimeException boom = new RuntimeException("boom");

  void advanceSeconds(long seconds) {
    now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
  }

  @Test
  void firstFailureWarnsAtOnceThenAtMostOnceAMinuteWithCounts() {
    log.log("status 503", boom);
    assertThat(logger.warnings()).containsExactly(
        "export failed: status 503 (at most one warning a minute, with counts; the others at DEBUG)");
    assertThat(logger.lines.get(0).error).isSameAs(boom);

    for (int i = 0; i < 41; i++) {
      advanceSeconds(1);
      log.log("status 503", boom);
    }
    assertThat(logger.warnings()).as("within the minute").hasSize(1);
    assertThat(logger.debugs()).hasSize(41);
    assertThat(log.suppressed()).isEqualTo(41);

    advanceSeconds(19);
    log.log("connection refused", boom);
    assertThat(logger.warnings()).last().isEqualTo("export failed: connection refused (41 more since the last warning)");
    assertThat(log.suppressed()).isZero();
  }

  @Test
  void reportSaysWhatABurstLeftUnsaidOnceTheMinuteIsOver() {
    log.log("a", boom);
    log.log("b", boom);
    log.log("c", boom);
    log.report();
    assertThat(logger.warnings()).as("too early").hasSize(1);
    advanceSeconds(60);
    log.report();
    assertThat(logger.warnings()).last().isEqualTo("export failed: 2 more since the last warning");
    advanceSeconds(120);
    log.report();
    assertThat(logger.warnings()).as("nothing new to report").hasSize(2);
  }

  @Test
  void aBrokenLoggerNeverThrows() {
    FailureLog broken = new FailureLog(new CapturingLogger() {
      @Override
      protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern,
          Object[] arguments, Throwable throwable) {
        throw new IllegalStateException("backend down");
      }
    }, "x", now::get);
    broken.log("y", boom);
    advanceSeconds(61);
    broken.log("y", boom);
    broken.report();
  }

  /** Records formatted lines; DEBUG enabled. */
  static class CapturingLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    record Line(Level level, String text, Throwable error) {}

    final List<Line> lines = new ArrayList<>();

    List<String> warnings() {
      return lines.stream().filter(l -> l.level == Level.WARN).map(Line::text).toList();
    }

    List<String> debugs() {
      return lines.stream().filter(l -> l.level == Level.DEBUG).map(Line::text).toList();
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern,
        Object[] arguments, Throwable throwable) {
      lines.add(new Line(level, MessageFormatter.basicArrayFormat(messagePattern, arguments), throwable));
    }

    @Override
    public boolean isTraceEnabled() {
      return false;
    }

    @Override
    public boolean isDebugEnabled() {
      return true;
    }

    @Override
    public boolean isInfoEnabled() {
      return true;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }
  }
}
