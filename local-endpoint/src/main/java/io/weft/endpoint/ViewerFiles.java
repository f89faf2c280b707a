package io.weft.endpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The trace viewer's static files (HTML, CSS, JavaScript), shipped in the jar and read once, when the first endpoint
 * starts (on the caller's thread, never on an event loop): {@code /} is the page, {@code /viewer/…} its assets.
 */
final class ViewerFiles {
  /** One file: its bytes and content type. */
  record File(byte[] bytes, String contentType) {}

  /** Defence in depth: the page loads and talks to its own origin only, and runs no inline script. */
  static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
      + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
      + "frame-ancestors 'none'";

  private static final Map<String, File> FILES = Map.of(
      "/", read("index.html", "text/html; charset=utf-8"),
      "/viewer/viewer.css", read("viewer.css", "text/css; charset=utf-8"),
      "/viewer/viewer.js", read("viewer.js", "text/javascript; charset=utf-8"));

  private ViewerFiles() {}

  /** Loads the files now (call where blocking is allowed). */
  static void load() {
    // The class initializer has read them.
  }

  /** The file served at {@code path}, or null. */
  static @Nullable File get(String path) {
    return FILES.get(path);
  }

  private static File read(String name, String contentType) {
    try (InputStream in = ViewerFiles.class.getResourceAsStream("viewer/" + name)) {
      if (in == null) {
        throw new IllegalStateException("viewer file missing from the jar: " + name);
      }
      return new File(in.readAllBytes(), contentType);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read viewer file " + name, e);
    }
  }
}
