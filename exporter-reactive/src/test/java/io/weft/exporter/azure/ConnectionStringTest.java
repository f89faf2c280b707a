package io.weft.exporter.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.core.WeftConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConnectionStringTest {
  static final String KEY = "11111111-2222-3333-4444-555555555555";

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "InstrumentationKey=" + KEY + "|https://dc.services.visualstudio.com/",
      "InstrumentationKey=" + KEY + ";IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/"
          + "|https://westeurope-5.in.applicationinsights.azure.com/",
      "instrumentationkey=" + KEY + ";ingestionendpoint=http://127.0.0.1:8089|http://127.0.0.1:8089/",
      "InstrumentationKey=" + KEY + ";EndpointSuffix=applicationinsights.azure.cn"
          + "|https://dc.applicationinsights.azure.cn/",
      "InstrumentationKey=" + KEY + ";EndpointSuffix=.example.com;Location=westus2|https://westus2.dc.example.com/",
      "InstrumentationKey=" + KEY + ";EndpointSuffix=example.com;IngestionEndpoint=https://explicit.example/"
          + "|https://explicit.example/",
      " InstrumentationKey = " + KEY + " ; ; IngestionEndpoint = https://x.example/base ; |https://x.example/base/",
      "InstrumentationKey=" + KEY + ";ApplicationId=abc;LiveEndpoint=https://live/|https://dc.services.visualstudio.com/",
  })
  void resolvesTheEndpoint(String connectionString, String endpoint) {
    ConnectionString parsed = ConnectionString.parse(connectionString);
    assertThat(parsed.instrumentationKey()).isEqualTo(KEY);
    assertThat(parsed.ingestionEndpoint()).hasToString(endpoint);
    assertThat(parsed.trackUrl()).hasToString(endpoint + "v2.1/track");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "IngestionEndpoint=https://x/|connection string has no InstrumentationKey",
      "InstrumentationKey=|connection string has no InstrumentationKey",
      "InstrumentationKey=" + KEY + ";InstrumentationKey=" + KEY + "|connection string has key 'InstrumentationKey' more than once",
      "InstrumentationKey=" + KEY + ";instrumentationkey=other|connection string has key 'instrumentationkey' more than once",
      "InstrumentationKey=" + KEY + ";garbage|connection string segment 2 has no '=' (expected key=value)",
      "InstrumentationKey=<your-ikey-here>|InstrumentationKey is not a GUID (8-4-4-4-12 hexadecimal digits): <your***********",
      "InstrumentationKey=11111111-2222-3333-4444-55555555555|InstrumentationKey is not a GUID (8-4-4-4-12 hexadecimal digits): 11111111***************************",
      "InstrumentationKey=1111111122223333444455555555555566|InstrumentationKey is not a GUID (8-4-4-4-12 hexadecimal digits): 11111111**************************",
      "InstrumentationKey=" + KEY + ";=value|connection string segment 2 has an empty key",
      "InstrumentationKey=" + KEY + ";IngestionEndpoint=/relative|IngestionEndpoint must be an absolute http or https URL: /relative",
      "InstrumentationKey=" + KEY + ";IngestionEndpoint=ftp://host/|IngestionEndpoint must be an absolute http or https URL: ftp://host/",
      "InstrumentationKey=" + KEY + ";IngestionEndpoint=http://bad host/|IngestionEndpoint is not a valid URL: Illegal character in authority",
      "InstrumentationKey=" + KEY + ";EndpointSuffix=x.com;Location=west us|Location must be letters and digits only: west us",
  })
  void malformedStringsFailWithAClearMessageThatNeverEchoesTheKey(String connectionString, String message) {
    assertThatThrownBy(() -> ConnectionString.parse(connectionString))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(KEY));
  }

  @Test
  void tooLongAndNull() {
    assertThatThrownBy(() -> ConnectionString.parse("InstrumentationKey=" + "k".repeat(5000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("connection string is longer than 4096 characters (5019)");
    assertThatThrownBy(() -> ConnectionString.parse(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void keyIsMaskedInToString() {
    ConnectionString parsed = ConnectionString.parse("InstrumentationKey=" + KEY);
    assertThat(parsed.toString()).doesNotContain(KEY).contains("11111111****");
    assertThat(parsed.maskedKey()).startsWith("11111111").doesNotContain("5555");
  }

  @Test
  void fromEnvironmentNamesTheSetting() {
    assertThat(ConnectionString.fromEnvironment(WeftConfig.of(Map.of(), Map.of()))).isNull();
    assertThat(ConnectionString.fromEnvironment(WeftConfig.of(Map.of(),
        Map.of("APPLICATIONINSIGHTS_CONNECTION_STRING", "InstrumentationKey=" + KEY))).instrumentationKey())
        .isEqualTo(KEY);
    assertThatThrownBy(() -> ConnectionString.fromEnvironment(WeftConfig.of(Map.of(),
        Map.of("APPLICATIONINSIGHTS_CONNECTION_STRING", "IngestionEndpoint=https://x/"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("APPLICATIONINSIGHTS_CONNECTION_STRING (or -Dapplicationinsights.connection.string) is invalid: "
            + "connection string has no InstrumentationKey");
  }

  @Test
  void anExporterSaysWhereItSendsWithoutItsKey() {
    AzureMonitorExporter exporter = AzureMonitorExporter.builder()
        .connectionString("InstrumentationKey=" + KEY + ";IngestionEndpoint=https://westeurope-5.example/")
        .persistenceDisabled().build();
    try {
      assertThat(exporter.toString()).isEqualTo("Application Insights at https://westeurope-5.example/ "
          + "(InstrumentationKey 11111111****************************)").doesNotContain(KEY);
    } finally {
      exporter.shutdown().block(java.time.Duration.ofSeconds(10));
    }
  }
}
