package io.weft.endpoint;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/** Valid envelopes and request bodies for tests. */
final class Envelopes {
  static final String IKEY = "11111111-2222-3333-4444-555555555555";
  static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

  private Envelopes() {}

  static String request(String id, String name) {
    return "{\"name\":\"Microsoft.ApplicationInsights.Request\",\"time\":\"2026-11-25T10:00:00.123456Z\","
        + "\"iKey\":\"" + IKEY + "\",\"tags\":{\"ai.operation.id\":\"" + TRACE + "\",\"ai.operation.name\":\"" + name
        + "\",\"ai.cloud.role\":\"orders\",\"ai.cloud.roleInstance\":\"host-1\","
        + "\"ai.internal.sdkVersion\":\"java17:weft0.1.0\"},\"data\":{\"baseType\":\"RequestData\",\"baseData\":{"
        + "\"ver\":2,\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"duration\":\"00:00:00.012345\","
        + "\"responseCode\":\"200\",\"success\":true,\"url\":\"http://localhost/orders/1\"}}}";
  }

  static String dependency(String id, String parentId, String name) {
    return "{\"name\":\"Microsoft.ApplicationInsights.RemoteDependency\",\"time\":\"2026-11-25T10:00:00.2Z\","
        + "\"iKey\":\"" + IKEY + "\",\"sampleRate\":100.0,\"tags\":{\"ai.operation.id\":\"" + TRACE
        + "\",\"ai.operation.parentId\":\"" + parentId + "\"},\"data\":{\"baseType\":\"RemoteDependencyData\","
        + "\"baseData\":{\"ver\":2,\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"duration\":\"00:00:00.001\","
        + "\"resultCode\":\"0\",\"success\":true,\"type\":\"SQL\",\"target\":\"localhost | orders\","
        + "\"data\":\"SELECT * FROM orders WHERE id = ?\",\"properties\":{\"db.system\":\"h2\"}}}}";
  }

  static String exception(String parentId) {
    return "{\"name\":\"Microsoft.ApplicationInsights.Exception\",\"time\":\"2026-11-25T10:00:00.3Z\","
        + "\"iKey\":\"" + IKEY + "\",\"tags\":{\"ai.operation.id\":\"" + TRACE + "\",\"ai.operation.parentId\":\""
        + parentId + "\"},\"data\":{\"baseType\":\"ExceptionData\",\"baseData\":{\"ver\":2,\"exceptions\":[{"
        + "\"typeName\":\"java.lang.IllegalStateException\",\"message\":\"boom\",\"stack\":\"at x\"}]}}}";
  }

  static String message() {
    return "{\"name\":\"Microsoft.ApplicationInsights.Message\",\"time\":\"2026-11-25T10:00:00Z\",\"iKey\":\"" + IKEY
        + "\",\"data\":{\"baseType\":\"MessageData\",\"baseData\":{\"ver\":2,\"message\":\"hello\","
        + "\"severityLevel\":\"Information\"}}}";
  }

  static byte[] ndjson(List<String> envelopes) {
    return String.join("\n", envelopes).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
