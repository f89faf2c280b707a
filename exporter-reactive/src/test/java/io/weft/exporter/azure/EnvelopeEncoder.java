package io.weft.exporter.azure;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.weft.core.export.SpanData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Test helper: encodes spans as one request body the way the exporter's batches are (newline-delimited envelopes,
 * no trailing newline, gzip), independently of the exporter's pipeline, so mapping tests can post exactly the
 * spans they built.
 */
final class EnvelopeEncoder {
  private static final JsonFactory JSON = JsonFactory.builder().build();

  private final EnvelopeMapper mapper;
  private final int level;

  EnvelopeEncoder(EnvelopeMapper mapper, int gzipLevel) {
    if (gzipLevel < Deflater.BEST_SPEED || gzipLevel > Deflater.BEST_COMPRESSION) {
      throw new IllegalArgumentException("gzip level must be within [1, 9]: " + gzipLevel);
    }
    this.mapper = mapper;
    this.level = gzipLevel;
  }

  /** The gzip NDJSON body for {@code spans}. */
  byte[] encode(List<SpanData> spans) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(256, spans.size() * 120));
    try (OutputStream gzip = new LeveledGzip(bytes, level);
        JsonGenerator out = JSON.createGenerator(gzip, JsonEncoding.UTF8)) {
      boolean first = true;
      for (SpanData span : spans) {
        for (int i = 0; i < mapper.envelopes(span); i++) {
          if (!first) {
            out.writeRaw('\n');
          }
          first = false;
          mapper.write(span, i, out);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("encoding to memory failed", e);
    }
    return bytes.toByteArray();
  }

  /** A GZIPOutputStream at a chosen compression level. */
  private static final class LeveledGzip extends GZIPOutputStream {
    LeveledGzip(OutputStream out, int level) throws IOException {
      super(out, 8192);
      def.setLevel(level);
    }
  }
}
