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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo page in a real browser: Debian's headless Chromium, driven by Selenium against a node started
 * in-process on a random 127.0.0.1 port. Skipped (with the reason printed) when Chromium or chromedriver is
 * not installed, except on CI ({@code CI=true}), where a missing browser is a failure.
 *
 * <p>Selenium Manager must never download a driver or a browser: both paths are given explicitly.
 * Run with {@code -Ddemo.screenshot=/some/file.png} to keep a screenshot of the page once it has been used.
 */
@ExtendWith(VertxExtension.class)
class BrowserTest {
  private static final Duration WAIT = Duration.ofSeconds(8);
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

    wait.until(ExpectedConditions.textToBe(By.id("echo-state"), "open"));
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
    assertEquals("open", driver.findElement(By.id("clock-state")).getText());

    String screenshot = System.getProperty("demo.screenshot");
    if (screenshot != null && !screenshot.isBlank()) {
      saveScreenshot(Path.of(screenshot));
    }
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

  private void saveScreenshot(Path target) {
    File png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
    try {
      Files.copy(png.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
      System.out.println("screenshot of the demo page: " + target);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
