package io.weft.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every {@code java} snippet of every README in the repository compiles against the modules it shows, with only the
 * imports it shows: documentation cannot drift from the API.
 *
 * <p>A snippet is a sequence of statements unless an HTML comment right above its fence (invisible on the rendered
 * page) says otherwise. That comment, {@code <!-- snippet ... -->}, may hold a {@code kind: members} or {@code kind:
 * unit} line (class members, or whole top-level declarations), {@code import} lines for what the surrounding text
 * introduced, and declarations of the names the snippet uses without defining them (a {@code tracer}, an {@code
 * Order} type): members of the class the snippet's statements or members go in, or, for a unit, more top-level
 * declarations. Each snippet compiles on its own.
 */
class ReadmeSnippetsTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern SNIPPET = Pattern.compile(
      "(?:<!-- snippet\\n(?<context>.*?)-->\\n[ \\t]*)?```java\\n(?<code>.*?)```", Pattern.DOTALL);

  record Snippet(Path readme, int index, int line, String context, String code) {
    String name() {
      return ROOT.relativize(readme) + " snippet " + (index + 1) + " (line " + line + ")";
    }
  }

  @TestFactory
  Stream<DynamicTest> everyReadmeSnippetCompiles() throws IOException {
    List<Snippet> snippets = snippets();
    assertThat(snippets).as("java snippets in the READMEs").hasSizeGreaterThan(20);
    return snippets.stream().map(snippet -> DynamicTest.dynamicTest(snippet.name(), () -> compile(snippet)));
  }

  static List<Snippet> snippets() throws IOException {
    List<Path> readmes = new ArrayList<>();
    readmes.add(ROOT.resolve("README.md"));
    try (Stream<Path> modules = Files.list(ROOT)) {
      modules.map(module -> module.resolve("README.md")).filter(Files::isRegularFile).sorted()
          .forEach(readmes::add);
    }
    List<Snippet> snippets = new ArrayList<>();
    for (Path readme : readmes) {
      String text = Files.readString(readme);
      Matcher m = SNIPPET.matcher(text);
      int index = 0;
      while (m.find()) {
        int line = (int) text.substring(0, m.start("code")).chars().filter(c -> c == '\n').count();
        String context = m.group("context") == null ? "" : m.group("context");
        snippets.add(new Snippet(readme, index++, line, context.stripIndent(), m.group("code").stripIndent()));
      }
    }
    return snippets;
  }

  /** The compilation unit made of {@code snippet} and its context. */
  static String source(Snippet snippet, String className) {
    StringBuilder imports = new StringBuilder();
    StringBuilder members = new StringBuilder();
    String kind = "statements";
    for (String line : snippet.context().split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("import ")) {
        imports.append(trimmed).append('\n');
      } else if (trimmed.startsWith("kind:")) {
        kind = trimmed.substring("kind:".length()).strip();
      } else {
        members.append(line).append('\n');
      }
    }
    StringBuilder body = new StringBuilder();
    for (String line : snippet.code().split("\n", -1)) {
      if (line.startsWith("import ")) {
        imports.append(line).append('\n');
      } else {
        body.append(line).append('\n');
      }
    }
    return switch (kind) {
      case "unit" -> imports + "\n" + body + "\n" + members;
      case "members" -> imports + "\nabstract class " + className + " {\n" + members + body + "}\n";
      case "statements" -> imports + "\nabstract class " + className + " {\n" + members
          + "  void snippet() throws Exception {\n" + body + "  }\n}\n";
      default -> throw new IllegalArgumentException("unknown snippet kind: " + kind);
    };
  }

  static void compile(Snippet snippet) {
    String className = "Snippet" + Integer.toHexString(snippet.name().hashCode()).toUpperCase(Locale.ROOT);
    String source = source(snippet, className);
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + className + ".java"),
        JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return source;
      }
    };
    Path out;
    try {
      out = Files.createTempDirectory("weft-snippet");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StringWriter messages = new StringWriter();
    boolean ok = compiler.getTask(messages, null, diagnostics,
        List.of("-proc:none", "-Xlint:none", "-d", out.toString(), "-classpath", System.getProperty("java.class.path")),
        null, List.of(file)).call();
    StringBuilder report = new StringBuilder();
    diagnostics.getDiagnostics().forEach(d -> report.append("  line ").append(d.getLineNumber()).append(": ")
        .append(d.getMessage(Locale.ROOT)).append('\n'));
    assertThat(ok).as("%s does not compile:%n%s%nas compiled:%n%s", snippet.name(), report,
        numbered(source)).isTrue();
  }

  private static String numbered(String source) {
    StringBuilder out = new StringBuilder();
    String[] lines = source.split("\n");
    for (int i = 0; i < lines.length; i++) {
      out.append(String.format(Locale.ROOT, "%3d  %s%n", i + 1, lines[i]));
    }
    return out.toString();
  }

}
