package io.weft.endpoint;

import static io.weft.endpoint.Envelopes.IKEY;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The trace viewer in a real headless Chromium (the system's {@code chromium} and {@code chromedriver}; nothing is
 * downloaded), over {@link ViewerFixture}: what a person sees in each view, hostile text shown as text, and no
 * error in the browser's console. Screenshots of each view go to {@code target/viewer-screenshots/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TraceViewerBrowserTest {
  static final Path SCREENSHOTS = Path.of("target", "viewer-screenshots");
  static final Duration WAIT = Duration.ofSeconds(20);

  static LocalEndpoint endpoint;
  static Http http;
  static ChromeDriver browser;
  static List<String> console = new ArrayList<>();

  @BeforeAll
  static void start() throws IOException {
    endpoint = LocalEndpoint.builder().instrumentationKey(IKEY).start();
    http = new Http(endpoint.url());
    assertThat(http.postGzipNdjson(ViewerFixture.ndjson()).json().path("itemsAccepted").asInt()).isEqualTo(12);
    browser = startChromium();
    browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 900));
    Files.createDirectories(SCREENSHOTS);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    endpoint.close();
  }

  @AfterEach
  void collectTheConsole() {
    consoleMessages(); // the driver hands over what was logged since the last call: keep all of it
  }

  /** Chromium through the system's driver; a missing browser is a failure that says what to install. */
  static ChromeDriver startChromium() {
    File driver = new File(System.getenv().getOrDefault("CHROMEDRIVER", "/usr/bin/chromedriver"));
    File binary = new File(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    assertThat(driver).as("chromedriver (Debian: apt-get install chromium-driver); or set CHROMEDRIVER").isFile();
    assertThat(binary).as("Chromium (Debian: apt-get install chromium); or set CHROMIUM").exists();
    ChromeOptions options = new ChromeOptions().setBinary(binary)
        .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--window-size=1280,900", "--lang=en-US");
    options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver)
        .usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  /** Opens {@code hash} and waits until the view has rendered its data. */
  static void open(String hash, String view) {
    browser.get(endpoint.url() + hash);
    awaitReady(view);
  }

  static void awaitReady(String view) {
    new WebDriverWait(browser, WAIT).until(d -> view.equals(d.findElement(By.tagName("body"))
        .getDomAttribute("data-ready")));
  }

  /** Waits until the next render after {@code before} renders. */
  static void awaitRenderAfter(int before) {
    new WebDriverWait(browser, WAIT).until(d -> renders() > before);
  }

  static int renders() {
    String renders = browser.findElement(By.tagName("body")).getDomAttribute("data-renders");
    return renders == null ? 0 : Integer.parseInt(renders);
  }

  static List<WebElement> all(String css) {
    return browser.findElements(By.cssSelector(css));
  }

  static void screenshot(String name) {
    try {
      Files.write(SCREENSHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The console's messages since the last call, kept for the final check. */
  static List<String> consoleMessages() {
    List<String> messages = new ArrayList<>();
    for (LogEntry entry : browser.manage().logs().get(LogType.BROWSER)) {
      messages.add(entry.getLevel() + " " + entry.getMessage());
    }
    console.addAll(messages);
    return messages;
  }

  static double style(WebElement element, String property) {
    String style = String.valueOf(element.getDomAttribute("style"));
    java.util.regex.Matcher m = java.util.regex.Pattern.compile(property + ":\\s*([0-9.]+)%").matcher(style);
    assertThat(m.find()).as("%s in %s", property, style).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  @Order(1)
  void theOperationsListShowsTheRootsNewestFirstWithHostileTextAsText() {
    open("#/operations", "operations");
    List<WebElement> rows = all("#operations tr.operation");
    assertThat(rows).extracting(row -> row.findElement(By.cssSelector(".col-name")).getText()).containsExactly(
        ViewerFixture.HOSTILE_NAME, "cycle-a", "nightly-job", "GET /orders/{id}", "POST /orders");
    assertThat(rows).extracting(row -> row.getDomAttribute("data-operation-id")).containsExactly(ViewerFixture.T5,
        ViewerFixture.T4, ViewerFixture.T3, ViewerFixture.T2, ViewerFixture.T1);
    WebElement failed = rows.get(4);
    assertThat(failed.getDomAttribute("class")).contains("failed");
    assertThat(failed.findElement(By.cssSelector(".col-result")).getText()).isEqualTo("503");
    assertThat(failed.findElement(By.cssSelector(".col-role")).getText()).isEqualTo("orders");
    assertThat(failed.findElement(By.cssSelector(".col-duration")).getText()).contains("10");
    assertThat(failed.findElement(By.cssSelector(".col-deps")).getText()).isEqualTo("3");
    // The name with an <img onerror> stayed text: no image element, and its script never ran.
    assertThat(all("#operations img")).isEmpty();
    assertThat(browser.getTitle()).isNotEqualTo("pwned");
    assertThat(browser.findElement(By.id("stored-count")).getText()).isEqualTo("12");
    screenshot("operations");
  }

  @Test
  @Order(2)
  void filtersNarrowTheList() {
    open("#/operations", "operations");
    int before = renders();
    browser.findElement(By.id("filter-name")).sendKeys("orders");
    new WebDriverWait(browser, WAIT).until(d -> renders() > before && all("#operations tr.operation").size() == 2);
    int next = renders();
    browser.findElement(By.id("filter-failed")).click();
    new WebDriverWait(browser, WAIT).until(d -> renders() > next && all("#operations tr.operation").size() == 1);
    assertThat(all("#operations tr.operation").get(0).getDomAttribute("data-operation-id"))
        .isEqualTo(ViewerFixture.T1);
    assertThat(browser.getCurrentUrl()).contains("failed=true");
    // A reload keeps the filters (they live in the address).
    browser.navigate().refresh();
    awaitReady("operations");
    assertThat(all("#operations tr.operation")).hasSize(1);
    assertThat(browser.findElement(By.id("filter-failed")).isSelected()).isTrue();
    int cleared = renders();
    browser.findElement(By.id("filter-q")).sendKeys("warehouse-that-does-not-exist");
    new WebDriverWait(browser, WAIT).until(d -> renders() > cleared && all("#operations tr.operation").isEmpty());
    assertThat(browser.findElement(By.id("empty-state")).isDisplayed()).isTrue();
  }

  @Test
  @Order(3)
  void aTraceIsAWaterfallOnOneTimeAxis() {
    open("#/operations", "operations");
    all("#operations tr.operation").get(4).findElement(By.cssSelector(".col-name")).click();
    awaitReady("trace");
    assertThat(browser.getCurrentUrl()).endsWith("#/trace/" + ViewerFixture.T1);
    List<WebElement> rows = all("#waterfall .wf-row");
    assertThat(rows).extracting(row -> row.findElement(By.cssSelector(".wf-name")).getText()).containsExactly(
        "POST /orders", "INSERT orders", "POST /reserve", "POST /reserve", "update reservations",
        "java.lang.IllegalStateException");
    assertThat(rows).extracting(row -> row.getDomAttribute("data-depth")).containsExactly("0", "1", "1", "2", "3",
        "3");
    assertThat(rows).extracting(row -> row.getDomAttribute("data-dependency-type")).containsExactly("", "postgresql",
        "Http", "", "mongodb", "");
    assertThat(rows).extracting(row -> row.getDomAttribute("class").contains("failed")).containsExactly(true, false,
        true, true, true, false);
    // One axis, 0 to 10 ms: every bar where its item started, as long as it lasted.
    double[][] expected = {{0, 100}, {10, 20}, {40, 50}, {50, 30}, {60, 10}, {70, 0}};
    for (int i = 0; i < rows.size(); i++) {
      WebElement bar = rows.get(i).findElement(By.cssSelector(".wf-bar"));
      assertThat(style(bar, "left")).as("left of row %d", i).isCloseTo(expected[i][0], within());
      assertThat(style(bar, "width")).as("width of row %d", i).isCloseTo(expected[i][1], within());
    }
    rows.get(4).click();
    WebElement details = browser.findElement(By.id("details"));
    new WebDriverWait(browser, WAIT).until(d -> details.findElement(By.cssSelector("tr[data-field='target']"))
        .getText().contains("mongo:27017 | inventory"));
    assertThat(details.findElement(By.cssSelector("tr[data-field='data']")).getText())
        .contains("{\"update\": \"reservations\"}");
    assertThat(details.findElement(By.cssSelector("tr[data-field='resultCode']")).getText()).contains("11000");
    assertThat(details.findElement(By.id("details-tags")).getText()).contains("ai.cloud.role", "inventory");
    screenshot("trace");
  }

  static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(0.01);
  }

  @Test
  @Order(4)
  void orphansAndCyclesAreShownNotHidden() {
    open("#/trace/" + ViewerFixture.T3, "trace");
    WebElement orphan = all("#waterfall .wf-row").get(0);
    assertThat(orphan.getDomAttribute("class")).contains("orphan");
    assertThat(orphan.findElement(By.cssSelector(".badge-orphan")).getText()).isEqualTo("parent not received");
    open("#/trace/" + ViewerFixture.T4, "trace");
    List<WebElement> cycle = all("#waterfall .wf-row");
    assertThat(cycle).extracting(row -> row.findElement(By.cssSelector(".wf-name")).getText())
        .containsExactly("cycle-a", "cycle-b");
    assertThat(cycle.get(0).getDomAttribute("class")).contains("cycle");
  }

  @Test
  @Order(5)
  void hostileTextInATraceIsShownAsText() {
    open("#/trace/" + ViewerFixture.T5, "trace");
    WebElement row = all("#waterfall .wf-row").get(0);
    assertThat(row.findElement(By.cssSelector(".wf-name")).getText()).isEqualTo(ViewerFixture.HOSTILE_NAME);
    row.click();
    WebElement details = browser.findElement(By.id("details"));
    new WebDriverWait(browser, WAIT).until(d -> details.findElement(By.cssSelector("tr[data-field='data']"))
        .getText().contains(ViewerFixture.HOSTILE_URL));
    assertThat(details.findElement(By.id("details-properties")).getText()).contains("<b>bold</b>");
    assertThat(all("#view img, #view script, #view b")).isEmpty();
    assertThat(browser.getTitle()).isNotEqualTo("pwned");
  }

  @Test
  @Order(6)
  void theMapShowsRolesTargetsAndEdgeLabels() {
    open("#/map", "map");
    ((JavascriptExecutor) browser).executeScript("window.scrollTo(0, 0)");
    assertThat(all("svg#app-map g.map-node")).extracting(node -> node.getDomAttribute("data-id"))
        .contains("role:orders", "role:inventory", "dep:postgresql|db:5432 | shop",
            "dep:mongodb|mongo:27017 | inventory", "dep:InProc|nightly-job");
    WebElement call = browser.findElement(By.cssSelector("g.map-edge[data-id='role:orders->role:inventory']"));
    assertThat(call.getDomAttribute("class")).contains("has-failures");
    assertThat(call.findElement(By.cssSelector("text.map-edge-label")).getText()).contains("1 call", "100",
        "5.00 ms");
    WebElement sql = browser.findElement(By.cssSelector("g.map-edge[data-id='role:orders->dep:postgresql|db:5432 |"
        + " shop']"));
    assertThat(sql.getDomAttribute("class")).doesNotContain("has-failures");
    assertThat(sql.findElement(By.cssSelector("text.map-edge-label")).getText()).contains("2 calls", "0", "1.50 ms",
        "2.00 ms");
    screenshot("map");
    int before = renders();
    call.findElement(By.cssSelector("text.map-edge-label")).click();
    awaitRenderAfter(before);
    new WebDriverWait(browser, WAIT).until(d -> !all("#edge-failed a.call-link").isEmpty());
    assertThat(all("#edge-failed a.call-link")).singleElement().satisfies(link ->
        assertThat(link.getDomAttribute("href")).isEqualTo("#/trace/" + ViewerFixture.T1));
    assertThat(all("#edge-slowest a.call-link")).hasSize(1);
  }

  @Test
  @Order(7)
  void failuresAreGroupedAndLinkToTraces() {
    open("#/failures", "failures");
    assertThat(all("#failed-requests tr.failure-group")).extracting(row ->
        row.findElement(By.cssSelector(".col-name")).getText() + " " + row.findElement(By.cssSelector(".col-result"))
            .getText() + " " + row.findElement(By.cssSelector(".col-count")).getText())
        .containsExactly("POST /reserve 503 1", "POST /orders 503 1");
    assertThat(all("#failed-dependencies tr.failure-group")).hasSize(2);
    WebElement exception = all("#exceptions tr.failure-group").get(0);
    assertThat(exception.findElement(By.cssSelector(".col-type")).getText())
        .isEqualTo("java.lang.IllegalStateException");
    assertThat(exception.findElement(By.cssSelector("a.example-link")).getDomAttribute("href"))
        .isEqualTo("#/trace/" + ViewerFixture.T1);
    screenshot("failures");
    exception.findElement(By.cssSelector("a.example-link")).click();
    awaitReady("trace");
    assertThat(all("#waterfall .wf-row")).hasSize(6);
  }

  @Test
  @Order(8)
  void theListUpdatesLiveAsTelemetryArrives() {
    open("#/operations", "operations");
    assertThat(all("#operations tr.operation")).hasSize(5);
    String live = Envelopes.request("ffffffffffffffff", "GET /live").replace(Envelopes.TRACE,
        "66666666666666666666666666666666").replace("2026-11-25T10:00:00.123456Z", "2026-11-25T10:00:09Z");
    http.postGzipNdjson(live.getBytes(StandardCharsets.UTF_8));
    new WebDriverWait(browser, WAIT).until(d -> all("#operations tr.operation").size() == 6);
    assertThat(all("#operations tr.operation").get(0).findElement(By.cssSelector(".col-name")).getText())
        .isEqualTo("GET /live");
  }

  @Test
  @Order(9)
  void tenThousandChildrenRenderAPageOfRowsAndSayHowManyMore() {
    String operation = "77777777777777777777777777777777";
    StringBuilder body = new StringBuilder(Envelopes.request("wide000000000000", "GET /wide")
        .replace(Envelopes.TRACE, operation));
    for (int i = 0; i < 10_000; i++) {
      body.append('\n').append(Envelopes.dependency(String.format("c%015d", i), "wide000000000000", "SELECT " + i)
          .replace(Envelopes.TRACE, operation));
    }
    http.postGzipNdjson(body.toString().getBytes(StandardCharsets.UTF_8));
    open("#/trace/" + operation, "trace");
    assertThat(all("#waterfall .wf-row")).hasSize(2_000);
    assertThat(browser.findElement(By.cssSelector("#waterfall .wf-more")).getText()).contains("8001");
  }

  @Test
  @Order(10)
  void theConsoleStayedClean() {
    consoleMessages();
    assertThat(console).as("messages in the browser's console").isEmpty();
  }
}
