package io.weft.exporter.azure;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running one of this module's test mains on the test class path: its output lines arrive with the
 * time they were read, and it can be killed with SIGKILL ({@code kill -9}). For crash tests.
 */
final class ChildProcess implements AutoCloseable {
  /** One line of the child's output and when the parent read it ({@link System#nanoTime()}). */
  record Line(String text, long nanos) {}

  private final Process process;
  private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();
  private final List<Line> all = new ArrayList<>();

  private ChildProcess(Process process) {
    this.process = process;
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String text;
        while ((text = in.readLine()) != null) {
          lines.add(new Line(text, System.nanoTime()));
        }
      } catch (IOException closed) {
        // the child is gone
      }
    }, "child-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code main} with {@code args} in a new JVM (the same java, the test class path, 256 MB heap). */
  static ChildProcess start(Class<?> main, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    return new ChildProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
  }

  /** The next line, or fails after {@code timeout}. */
  Line next(Duration timeout) throws InterruptedException {
    Line line = lines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (line == null) {
      throw new AssertionError("no output from the child within " + timeout + "; so far: " + all);
    }
    all.add(line);
    return line;
  }

  /** Reads lines until one starts with {@code prefix}; returns it. */
  Line await(String prefix, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Line line = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (line.text().startsWith(prefix)) {
        return line;
      }
    }
  }

  /** Every line read so far through {@link #next}. */
  List<Line> lines() {
    return all;
  }

  /** SIGKILL: no shutdown hook, no finally block, nothing flushed. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the child survived kill -9");
    }
  }

  /** Waits for the child to exit on its own; returns its exit code. */
  int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the child did not finish within " + timeout + "; so far: " + all + lines);
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
