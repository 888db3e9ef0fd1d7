package io.socketpush;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo page in a real browser: Debian's headless Chromium, driven by Selenium against a node started
 * in-process on a random 127.0.0.1 port. Skipped (with the reason printed) when Chromium or chromedriver is
 * not installed, except on CI ({@code CI=true}), where a missing browser is a failure.
 *
 * <p>Selenium Manager must never download a driver or a browser: both paths are given explicitly.
 * Run with {@code -Ddemo.screenshot=/some/file.png} to keep screenshots of the page (file-desktop.png, file-phone.png, …).
 */
@ExtendWith(VertxExtension.class)
class BrowserTest {
  private static final Duration WAIT = Duration.ofSeconds(30); // returns as soon as it holds: long only for a loaded machine
  /** How long a page may take to notice a stopped or restarted server: its backoff reaches a few seconds. */
  private static final Duration RECONNECT_WAIT = Duration.ofSeconds(40);
  private static final String CONNECTED = "connected over WebSocket";
  private static final Pattern AWAY = Pattern.compile("(connection lost|server unreachable) — (retrying in \\d+ s|retrying now…|reconnecting…)");
  /** The default {@code time.pattern}, {@code yyyy.MM.dd HH:mm:ss}. */
  private static final Pattern CLOCK_TEXT = Pattern.compile("\\d{4}\\.\\d{2}\\.\\d{2} \\d{2}:\\d{2}:\\d{2}");

  private TestService service;
  private HeadlessChromium chromium;
  private WebDriver driver;

  @BeforeEach
  void startServiceAndBrowser(Vertx vertx, VertxTestContext ctx) throws IOException {
    HeadlessChromium.require("BrowserTest");
    Future<TestService> started = TestService.start(vertx);
    // the browser starts on this thread while the node deploys on its event loops
    chromium = HeadlessChromium.start(WAIT);
    driver = chromium.driver();
    started.onComplete(ctx.succeeding(s -> {
      service = s;
      ctx.completeNow();
    }));
  }

  @AfterEach
  void stopBrowserAndService(Vertx vertx, VertxTestContext ctx) {
    if (chromium != null) {
      chromium.close();
    }
    TestService.stop(service, vertx).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void demoPageEchoesATypedLineAndShowsATickingClock() {
    driver.get(service.url("/"));
    WebDriverWait wait = new WebDriverWait(driver, WAIT);

    wait.until(ExpectedConditions.textToBe(By.id("echo-state"), CONNECTED));
    for (String line : List.of("hello from Chromium", "你好，WebSocket")) {
      WebElement input = driver.findElement(By.id("echo-input"));
      input.sendKeys(line);
      assertEquals(line, input.getDomProperty("value"), "what the browser typed");
      driver.findElement(By.id("echo-send")).click();
      wait.withMessage("echo of '" + line + "' as li.in").until(d -> logLines(d, "in").contains("← " + line));
      assertTrue(logLines(driver, "out").contains("→ " + line), "the sent line is logged as li.out");
      assertEquals("", driver.findElement(By.id("echo-input")).getDomProperty("value"), "input cleared after send");
    }

    // text and ts are read together, in one script: a tick may land between two separate reads
    List<?> first = wait.withMessage("a first clock tick").until(d -> tickShown(d));
    List<?> second = wait.withMessage("the clock to move on from " + first).until(d -> {
      List<?> now = tickShown(d);
      return now != null && !now.get(0).equals(first.get(0)) ? now : null;
    });
    assertNotEquals(first.get(0), second.get(0));
    assertTrue(Long.parseLong((String) second.get(1)) > Long.parseLong((String) first.get(1)), "data-ts moves forward with the text");
    assertEquals(CONNECTED, driver.findElement(By.id("clock-state")).getText());

    saveScreenshot("desktop");
  }

  @Test
  void eachCardSaysTheServerIsUnreachableThenThatItIsBack(Vertx vertx) throws Exception {
    driver.get(service.url("/"));
    WebDriverWait wait = new WebDriverWait(driver, WAIT);
    for (String card : List.of("clock", "echo")) {
      wait.until(ExpectedConditions.textToBe(By.id(card + "-state"), CONNECTED));
    }
    service.stopNode().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    WebDriverWait away = new WebDriverWait(driver, RECONNECT_WAIT);
    for (String card : List.of("clock", "echo")) {
      away.withMessage(card + " to say the server is unreachable").until(d -> stateText(d, card).startsWith("server unreachable — "));
      assertTrue(AWAY.matcher(stateText(driver, card)).matches(), stateText(driver, card));
      assertTrue(driver.findElement(By.id(card + "-retry")).isDisplayed(), card + ": a Retry now button");
    }
    assertTrue(driver.findElement(By.cssSelector(".clock-section")).getDomAttribute("class").contains("stale"), "the old time greyed");
    assertEquals("true", String.valueOf(driver.findElement(By.id("echo-send")).getDomProperty("disabled")), "no echo to send to");
    saveScreenshot("unreachable");

    service = service.startAgain().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    for (String card : List.of("clock", "echo")) {
      // the button, or the backoff's own next try: whichever comes first
      away.withMessage(card + " to be back").until(d -> {
        // looked at and pressed in one script: the button hides itself the moment the card is back
        ((JavascriptExecutor) d).executeScript("const b = document.getElementById(arguments[0]); if (!b.hidden) b.click();", card + "-retry");
        return stateText(d, card).equals(CONNECTED);
      });
    }
    assertTrue(tickShown(driver) != null || wait.until(d -> tickShown(d)) != null, "the clock ticks again");
  }

  @Test
  void atPhoneWidthNothingScrollsSidewaysAndEveryControlShows() {
    driver.manage().window().setSize(new Dimension(390, 844));
    driver.get(service.url("/"));
    WebDriverWait wait = new WebDriverWait(driver, WAIT);
    wait.until(ExpectedConditions.textToBe(By.id("clock-state"), CONNECTED));
    Object overflow = ((JavascriptExecutor) driver).executeScript(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
    assertEquals(0L, overflow, "no horizontal scroll at 390 px");
    long width = (Long) ((JavascriptExecutor) driver).executeScript("return document.documentElement.clientWidth;");
    for (String id : List.of("clock", "echo-input", "echo-send", "chat-name", "chat-room", "chat-join-button", "chat-leave",
        "chat-input", "chat-send", "danmaku-toggle")) {
      WebElement e = driver.findElement(By.id(id));
      assertTrue(e.isDisplayed(), id + " shows");
      assertTrue(e.getRect().getX() >= 0 && e.getRect().getX() + e.getRect().getWidth() <= width, id + " within the width: " + e.getRect());
    }
    assertFalse(driver.findElement(By.id("admin-link")).isDisplayed(), "no link to an admin console that is off");
    assertSameHeight("echo-input", "echo-send");
    assertSameHeight("chat-room", "chat-join-button");
    assertSameHeight("chat-input", "chat-send");
    saveScreenshot("phone");
    ((JavascriptExecutor) driver).executeScript("document.getElementById('chat-title').scrollIntoView();");
    saveScreenshot("phone-chat");
  }

  @Test
  void danmakuBulletsKeepToLanesThatNeitherOverlapNorHideTheClock() throws Exception {
    driver.get(service.url("/"));
    WebDriverWait wait = new WebDriverWait(driver, WAIT);
    driver.findElement(By.id("chat-name")).sendKeys("ann");
    driver.findElement(By.id("chat-join-button")).click();
    wait.until(ExpectedConditions.textToBe(By.id("chat-state"), CONNECTED));
    driver.findElement(By.id("danmaku-toggle")).click();
    for (int i = 1; i <= 9; i++) {
      publish("chat:lobby", "{\"name\":\"bob\",\"text\":\"bullet number " + i + " flies by\"}");
    }
    wait.withMessage("bullets in several lanes").until(d -> bullets(d).size() >= 3);
    for (int sample = 0; sample < 5; sample++) {
      List<List<Number>> boxes = bullets(driver);
      List<Number> clockBox = box("clock");
      for (int i = 0; i < boxes.size(); i++) {
        assertFalse(intersect(boxes.get(i), clockBox), "bullet " + boxes.get(i) + " over the clock " + clockBox);
        for (int j = i + 1; j < boxes.size(); j++) {
          assertFalse(intersect(boxes.get(i), boxes.get(j)), "bullets overlap: " + boxes.get(i) + " and " + boxes.get(j));
        }
      }
      int seen = boxes.size();
      // the next sample once the bullets have moved on (their boxes change), not after a fixed sleep
      wait.until(d -> !bullets(d).equals(boxes) || seen == 0);
    }
    saveScreenshot("danmaku");
  }

  private void assertSameHeight(String a, String b) {
    assertEquals(driver.findElement(By.id(a)).getRect().getHeight(), driver.findElement(By.id(b)).getRect().getHeight(),
        a + " and " + b + " are as tall");
  }

  private static String stateText(WebDriver driver, String card) {
    return driver.findElement(By.id(card + "-state")).getText();
  }

  /** The visible bullets' boxes: [left, top, right, bottom]. */
  @SuppressWarnings("unchecked")
  private static List<List<Number>> bullets(WebDriver driver) {
    return (List<List<Number>>) ((JavascriptExecutor) driver).executeScript(
        "const w = document.documentElement.clientWidth;"
            + "return [...document.querySelectorAll('#danmaku .bullet')].map(b => b.getBoundingClientRect())"
            + ".filter(r => r.right > 0 && r.left < w).map(r => [r.left, r.top, r.right, r.bottom]);");
  }

  @SuppressWarnings("unchecked")
  private List<Number> box(String id) {
    return (List<Number>) ((JavascriptExecutor) driver).executeScript(
        "const r = document.getElementById(arguments[0]).getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom];", id);
  }

  private static boolean intersect(List<Number> a, List<Number> b) {
    double eps = 0.5; // sub-pixel rounding of adjacent lanes
    return a.get(0).doubleValue() < b.get(2).doubleValue() - eps && b.get(0).doubleValue() < a.get(2).doubleValue() - eps
        && a.get(1).doubleValue() < b.get(3).doubleValue() - eps && b.get(1).doubleValue() < a.get(3).doubleValue() - eps;
  }

  private void publish(String channel, String json) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(service.url("/api/channels/" + channel)))
        .POST(HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(202, response.statusCode(), response.body());
  }

  /** The clock's text once it shows a formatted tick, else null (keep waiting). */
  /** The clock's text and data-ts, read in one script; null until it shows a time. */
  private static List<?> tickShown(WebDriver driver) {
    List<?> shown = (List<?>) ((JavascriptExecutor) driver).executeScript(
        "const c = document.getElementById('clock'); return [c.textContent, c.dataset.ts || ''];");
    return CLOCK_TEXT.matcher((String) shown.get(0)).matches() ? shown : null;
  }

  private static List<String> logLines(WebDriver driver, String cls) {
    return driver.findElements(By.cssSelector("#echo-log li." + cls)).stream().map(WebElement::getText).toList();
  }

  /** With {@code -Ddemo.screenshot=/some/file.png}, keeps a screenshot as /some/file-{name}.png. */
  private void saveScreenshot(String name) {
    String asked = System.getProperty("demo.screenshot");
    if (asked == null || asked.isBlank()) {
      return;
    }
    Path target = Path.of(asked.replaceFirst("(\\.png)?$", "-" + name + ".png"));
    File png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
    try {
      Files.copy(png.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
      System.out.println("screenshot of the demo page: " + target);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
