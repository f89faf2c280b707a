package io.weft.exporter.azure;

import io.weft.core.WeftConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An Application Insights connection string, parsed and resolved: split on {@code ;}, then on the first {@code =};
 * segments trimmed, empty segments ignored, keys case-insensitive. Duplicated keys, a segment without {@code =}, a missing {@code
 * InstrumentationKey} or one that is not a GUID, more than 4,096 characters, or an {@code IngestionEndpoint} that is not an absolute http(s)
 * URL fail with an {@link IllegalArgumentException} naming the problem, never echoing the string.
 *
 * <p>Endpoint: {@code IngestionEndpoint}, else {@code https://[<Location>.]dc.<EndpointSuffix>}, else {@code
 * https://dc.services.visualstudio.com}. Plain http is accepted (the local endpoint uses it). Immutable; its {@link
 * #toString()} masks the key.
 */
public final class ConnectionString {
  /** The longest connection string accepted. */
  public static final int MAX_LENGTH = 4096;
  /** The endpoint used when the string names none. */
  public static final URI DEFAULT_ENDPOINT = URI.create("https://dc.services.visualstudio.com/");

  private final String instrumentationKey;
  private final URI ingestionEndpoint;

  private ConnectionString(String instrumentationKey, URI ingestionEndpoint) {
    this.instrumentationKey = instrumentationKey;
    this.ingestionEndpoint = ingestionEndpoint;
  }

  /**
   * Parses {@code connectionString}.
   *
   * @throws IllegalArgumentException naming what is wrong (the string itself is never included)
   */
  public static ConnectionString parse(String connectionString) {
    Objects.requireNonNull(connectionString, "connectionString");
    if (connectionString.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("connection string is longer than " + MAX_LENGTH + " characters ("
          + connectionString.length() + ")");
    }
    Map<String, String> values = new HashMap<>();
    String[] segments = connectionString.split(";", -1);
    for (int i = 0; i < segments.length; i++) {
      String segment = segments[i].trim();
      if (segment.isEmpty()) {
        continue;
      }
      int eq = segment.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("connection string segment " + (i + 1) + " has no '=' (expected key=value)");
      }
      String key = segment.substring(0, eq).trim();
      String value = segment.substring(eq + 1).trim();
      if (key.isEmpty()) {
        throw new IllegalArgumentException("connection string segment " + (i + 1) + " has an empty key");
      }
      if (values.putIfAbsent(key.toLowerCase(Locale.ROOT), value) != null) {
        throw new IllegalArgumentException("connection string has key '" + key + "' more than once");
      }
    }
    String key = values.get("instrumentationkey");
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("connection string has no InstrumentationKey");
    }
    if (!isGuid(key)) {
      // a placeholder left in (<your-ikey-here>) or a truncated copy: say so now, not as a DNS error at export
      throw new IllegalArgumentException("InstrumentationKey is not a GUID (8-4-4-4-12 hexadecimal digits): "
          + mask(key));
    }
    return new ConnectionString(key, endpoint(values));
  }

  /**
   * The connection string from {@code applicationinsights.connection.string} or {@code
   * APPLICATIONINSIGHTS_CONNECTION_STRING}, or null when neither is set.
   *
   * @throws IllegalArgumentException naming the setting when the value is malformed
   */
  public static @Nullable ConnectionString fromEnvironment(WeftConfig config) {
    String value = config.connectionString();
    if (value == null) {
      return null;
    }
    try {
      return parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(WeftConfig.CONNECTION_STRING_ENV + " (or -D"
          + WeftConfig.CONNECTION_STRING_PROPERTY + ") is invalid: " + e.getMessage(), e);
    }
  }

  private static URI endpoint(Map<String, String> values) {
    String explicit = values.get("ingestionendpoint");
    if (explicit != null && !explicit.isEmpty()) {
      URI uri;
      try {
        uri = new URI(explicit.endsWith("/") ? explicit : explicit + "/");
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("IngestionEndpoint is not a valid URL: " + e.getReason(), e);
      }
      String scheme = uri.getScheme();
      if (!uri.isAbsolute() || uri.getHost() == null
          || !("https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme))) {
        throw new IllegalArgumentException("IngestionEndpoint must be an absolute http or https URL: " + explicit);
      }
      return uri;
    }
    String suffix = values.get("endpointsuffix");
    if (suffix != null && !suffix.isEmpty()) {
      while (suffix.startsWith(".")) {
        suffix = suffix.substring(1);
      }
      String location = values.get("location");
      if (location != null && !location.isEmpty() && !location.chars().allMatch(Character::isLetterOrDigit)) {
        throw new IllegalArgumentException("Location must be letters and digits only: " + location);
      }
      String host = (location == null || location.isEmpty() ? "" : location + ".") + "dc." + suffix;
      try {
        return new URI("https", host, "/", null);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("EndpointSuffix does not form a valid host: " + suffix, e);
      }
    }
    return DEFAULT_ENDPOINT;
  }

  /** The instrumentation key (sent as each envelope's {@code iKey}); never log it, use {@link #maskedKey()}. */
  public String instrumentationKey() {
    return instrumentationKey;
  }

  /** The ingestion base URL, ending in {@code /}. */
  public URI ingestionEndpoint() {
    return ingestionEndpoint;
  }

  /** Where batches are posted: {@code <IngestionEndpoint>v2.1/track}. */
  public URI trackUrl() {
    return ingestionEndpoint.resolve("v2.1/track");
  }

  /** The key for logs: its first 8 characters, the rest masked. */
  public String maskedKey() {
    return mask(instrumentationKey);
  }

  /** Whether {@code key} is a GUID as Application Insights issues them: 8-4-4-4-12 hexadecimal digits. */
  static boolean isGuid(String key) {
    if (key.length() != 36) {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = key.charAt(i);
      boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? c != '-' : Character.digit(c, 16) < 0) {
        return false;
      }
    }
    return true;
  }

  static String mask(String key) {
    int shown = Math.min(8, key.length() / 3);
    return key.substring(0, shown) + "*".repeat(Math.max(4, key.length() - shown));
  }

  @Override
  public String toString() {
    return "ConnectionString{InstrumentationKey=" + maskedKey() + ", IngestionEndpoint=" + ingestionEndpoint + "}";
  }
}
