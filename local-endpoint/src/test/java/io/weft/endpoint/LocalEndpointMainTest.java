package io.weft.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalEndpointMainTest {

  @Test
  void optionsBuildTheEndpoint() {
    LocalEndpoint.Builder builder = LocalEndpointMain.parse(new String[] {"--port", "0", "--ikey", Envelopes.IKEY,
        "--max-items", "5"});
    assertThat(builder).isNotNull();
    try (LocalEndpoint endpoint = builder.start()) {
      assertThat(endpoint.instrumentationKey()).isEqualTo(Envelopes.IKEY);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      LocalEndpointMain.describe(endpoint, new PrintStream(bytes, true, StandardCharsets.UTF_8));
      assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("listening on " + endpoint.url(),
          "connection string: InstrumentationKey=" + Envelopes.IKEY + ";IngestionEndpoint=" + endpoint.url());
      Http.Response response = new Http(endpoint.url()).postGzipNdjson(Envelopes.ndjson(List.of(Envelopes.message())));
      assertThat(response.status()).isEqualTo(200);
    }
  }

  @Test
  void helpAndBadOptions() {
    assertThat(LocalEndpointMain.parse(new String[] {"--help"})).isNull();
    assertThatThrownBy(() -> LocalEndpointMain.parse(new String[] {"--port"})).hasMessage("--port needs a value");
    assertThatThrownBy(() -> LocalEndpointMain.parse(new String[] {"--port", "x"}))
        .hasMessage("--port must be a number: x");
    assertThatThrownBy(() -> LocalEndpointMain.parse(new String[] {"--frobnicate"}))
        .hasMessage("unknown option: --frobnicate");
  }

  @Test
  void aPortInUseIsOneLineNotAStackTrace() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      LocalEndpoint.Builder builder = LocalEndpointMain.parse(new String[] {"--host", "127.0.0.1", "--port",
          Integer.toString(taken.getLocalPort())});
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      LocalEndpoint endpoint = LocalEndpointMain.start(builder, new PrintStream(err, true, StandardCharsets.UTF_8));

      assertThat(endpoint).isNull();
      String said = err.toString(StandardCharsets.UTF_8);
      assertThat(said.lines()).hasSize(1);
      assertThat(said).startsWith("local-endpoint: cannot start: ").contains(Integer.toString(taken.getLocalPort()))
          .containsIgnoringCase("in use");
    }
  }
}
