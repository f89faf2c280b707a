package io.weft.exporter.azure;

import java.net.URI;
import org.jspecify.annotations.Nullable;

/**
 * Rules about ingestion URLs: which redirects are followed, and which hosts are loopback. Stateless.
 */
final class IngestionUrls {
  /** Redirects followed for one batch at most. */
  static final int MAX_REDIRECTS = 10;

  private IngestionUrls() {}

  /**
   * Where a batch sent to {@code from} goes after a 307/308 with {@code location}: the track URL at the new
   * endpoint, or null when the redirect is not followed (no or bad {@code Location}, plain http to a host that is
   * not loopback, or more than {@link #MAX_REDIRECTS} hops after {@code hops}).
   */
  static @Nullable URI redirect(URI from, @Nullable String location, int hops) {
    if (location == null || hops >= MAX_REDIRECTS) {
      return null;
    }
    URI to;
    try {
      to = from.resolve(location);
    } catch (IllegalArgumentException e) {
      return null;
    }
    boolean allowed = "https".equalsIgnoreCase(to.getScheme())
        || ("http".equalsIgnoreCase(to.getScheme()) && isLoopback(to));
    if (!allowed) {
      return null;
    }
    String path = to.getPath();
    return path != null && path.endsWith("/track") ? to : to.resolve("v2.1/track");
  }

  /** Whether {@code uri}'s host is this machine. */
  static boolean isLoopback(URI uri) {
    String host = uri.getHost();
    return host != null && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]")
        || host.equals("::1"));
  }
}
