package io.weft.core;

import java.util.Objects;

/**
 * Who produced the spans: exported as Application Insights' cloud role ({@code serviceName}), role instance ({@code
 * serviceInstance}) and SDK version.
 *
 * @param serviceName the service (cloud role) name
 * @param serviceInstance this process's instance name (host name by default)
 * @param sdkVersion Weft's version, e.g. {@code 0.1.0}
 */
public record Resource(String serviceName, String serviceInstance, String sdkVersion) {
  /** Validates that nothing is null. */
  public Resource {
    Objects.requireNonNull(serviceName, "serviceName");
    Objects.requireNonNull(serviceInstance, "serviceInstance");
    Objects.requireNonNull(sdkVersion, "sdkVersion");
  }
}
