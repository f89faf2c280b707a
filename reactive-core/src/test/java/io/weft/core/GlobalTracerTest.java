package io.weft.core;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A tracer built from the settings says where its spans go, or why they go nowhere. */
class GlobalTracerTest {
  static List<ILoggingEvent> logged(Runnable action) {
    Logger logger = (Logger) LoggerFactory.getLogger(GlobalTracer.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    try {
      action.run();
    } finally {
      logger.detachAppender(appender);
    }
    return appender.list;
  }

  @Test
  void noConnectionStringIsOneWarningNamingWhatWasLookedFor() {
    List<ILoggingEvent> events = logged(() -> GlobalTracer.fromConfig(WeftConfig.of(Map.of(), Map.of())));

    assertThat(events).singleElement().satisfies(event -> {
      assertThat(event.getLevel()).isEqualTo(Level.WARN);
      assertThat(event.getFormattedMessage()).contains("exports nothing", "APPLICATIONINSIGHTS_CONNECTION_STRING",
          "applicationinsights.connection.string");
    });
  }

  @Test
  void aConnectionStringWithoutAnExporterOnTheClassPathSaysWhatToAdd() {
    List<ILoggingEvent> events = logged(() -> GlobalTracer.fromConfig(WeftConfig.of(Map.of(),
        Map.of(WeftConfig.CONNECTION_STRING_ENV, "InstrumentationKey=00000000-0000-0000-0000-000000000000"))));

    assertThat(events).singleElement().satisfies(event ->
        assertThat(event.getFormattedMessage()).contains("weft-exporter-reactive").doesNotContain("00000000-"));
  }

  @Test
  void aVariableThatAlmostNamesTheConnectionStringIsPointedOut() {
    assertThat(GlobalTracer.nearMiss(List.of("PATH", "APPLICATIONINSIGHT_CONNECTION_STRING", "HOME")))
        .isEqualTo("APPLICATIONINSIGHT_CONNECTION_STRING");
    assertThat(GlobalTracer.nearMiss(List.of("appinsights_connection_string"))).isEqualTo(
        "appinsights_connection_string");
    assertThat(GlobalTracer.nearMiss(List.of("PATH", WeftConfig.CONNECTION_STRING_ENV, "DB_CONNECTION"))).isNull();
  }
}
