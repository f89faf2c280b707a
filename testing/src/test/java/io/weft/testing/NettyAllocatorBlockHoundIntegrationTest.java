package io.weft.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import reactor.blockhound.integration.BlockHoundIntegration;

class NettyAllocatorBlockHoundIntegrationTest {
  @Test
  void blockHoundInstallFindsItThroughTheServiceLoader() {
    assertThat(ServiceLoader.load(BlockHoundIntegration.class))
        .anyMatch(integration -> integration instanceof NettyAllocatorBlockHoundIntegration);
  }
}
