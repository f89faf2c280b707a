package io.weft.benchmarks.endpoint;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.weft.endpoint.EnvelopeValidator;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Where an ingested envelope's CPU time goes, per envelope, on one thread: the floor of touching every byte once, gzip
 * inflate, Jackson tokenization alone, and the endpoint's full validation. Explains the gap between the ingestion
 * target and what {@link IngestionThroughputBenchmark} measures (see RESULTS.md).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class ValidationCostBenchmark {
  private static final int BATCH = IngestionThroughputBenchmark.BATCH;

  private final JsonFactory json = new JsonFactory();
  private final EnvelopeValidator validator = EnvelopeValidator.anyKey();
  private byte[] payload;
  private byte[] gzipped;
  private String[] envelopes;
  private final byte[] inflateBuffer = new byte[16 * 1024];

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    String batch = IngestionThroughputBenchmark.batch(BATCH);
    payload = batch.getBytes(StandardCharsets.UTF_8);
    gzipped = IngestionThroughputBenchmark.gzip(batch);
    envelopes = batch.split("\n");
    List<String> problems = validator.validate(envelopes[7]);
    if (!problems.isEmpty()) {
      throw new IllegalStateException("benchmark envelope is invalid: " + problems);
    }
  }

  /** Reads every byte once and counts the quotes (branch-free): the floor of any single-pass validator. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int touchEveryByte() {
    int quotes = 0;
    for (byte b : payload) {
      quotes += ((b ^ '"') - 1) >>> 31;
    }
    return quotes;
  }

  /** gzip inflate of the whole batch (what the endpoint does before anything else). */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long inflate() throws IOException {
    long n = 0;
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped), 8192)) {
      int read;
      while ((read = in.read(inflateBuffer)) > 0) {
        n += read;
      }
    }
    return n;
  }

  /** Jackson streaming tokens over the batch, values not materialized: the cost of just reading the JSON. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long tokenize() throws IOException {
    long tokens = 0;
    try (JsonParser parser = json.createParser(payload)) {
      while (parser.nextToken() != null) {
        tokens++;
      }
    }
    return tokens;
  }

  /** The endpoint's full per-envelope validation through its public API (one parser per envelope). */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int validate() {
    int problems = 0;
    for (String envelope : envelopes) {
      problems += validator.validate(envelope).size();
    }
    return problems;
  }
}
