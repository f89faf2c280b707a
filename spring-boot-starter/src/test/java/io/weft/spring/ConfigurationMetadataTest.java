package io.weft.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** IDEs complete and document every {@code weft.*} property from the metadata the build writes into the jar. */
class ConfigurationMetadataTest {
  @Test
  void everyPropertyIsDescribed() throws Exception {
    JsonNode metadata;
    try (InputStream in = WeftProperties.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("metadata in the jar").isNotNull();
      metadata = new ObjectMapper().readTree(in);
    }
    List<String> names = new ArrayList<>();
    for (JsonNode property : metadata.get("properties")) {
      names.add(property.get("name").asText());
      assertThat(property.path("description").asText()).as(property.get("name").asText()).isNotBlank();
    }
    assertThat(names).contains("weft.enabled", "weft.connection-string", "weft.service-name",
        "weft.sampling-percentage", "weft.webflux.enabled", "weft.webclient.enabled", "weft.r2dbc.enabled",
        "weft.mongodb.enabled", "weft.reactor-context-propagation.enabled", "weft.log-correlation.enabled",
        "weft.observations.enabled", "weft.suppress-duplicate-observations.enabled", "weft.exporter.storage.enabled",
        "weft.exporter.storage.dir");
  }
}
