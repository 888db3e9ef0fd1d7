package io.socketpush.transport;

import io.socketpush.HeadlessChromium;
import io.socketpush.TestService;
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
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * socket-push.js in headless Chromium: with WebSocket taken away from the page (a script that runs before
 * the page's own, through the DevTools protocol) the clock still ticks, over SSE; without EventSource
 * either, over long-polling; and the page's switch shows it over each of the five transports.
 * Skipped like BrowserTest where Chromium is missing, except on CI.
 */
@ExtendWith(VertxExtension.class)
class FallbackBrowserTest {
  private static final Duration WAIT = Duration.ofSeconds(30); // returns as soon as it holds: long only for a loaded machine

  private TestService service;
  private HeadlessChromium chromium;
  private ChromeDriver driver;

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) throws IOException {
    HeadlessChromium.require("FallbackBrowserTest");
    Future<TestService> started = TestService.start(vertx);
    chromium = HeadlessChromium.start(WAIT);
    driver = chromium.driver();
    started.onComplete(ctx.succeeding(s -> {
      service = s;
      ctx.completeNow();
    }));
  }

  @AfterEach
  void stop(Vertx vertx, VertxTestContext ctx) {
    if (chromium != null) {
      chromium.close();
    }
    TestService.stop(service, vertx).onComplete(ctx.succeedingThenComplete());
  }

  /** Runs before any script of every page this browser loads. */
  private void beforeThePage(String script) {
    driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", script));
  }

  @Test
  void withoutWebSocketTheClockTicksOverSse() {
    beforeThePage("window.WebSocket = undefined;");
    driver.get(service.url("/"));
    assertTicksOver("sse");
    assertEquals("this browser has no WebSocket", driver.findElement(By.id("echo-state")).getText());
  }

  @Test
  void withoutWebSocketAndEventSourceTheClockTicksOverLongPolling() {
    beforeThePage("window.WebSocket = undefined; window.EventSource = undefined;");
    driver.get(service.url("/"));
    assertTicksOver("longpoll");
  }

  @Test
  void theSwitchShowsTheClockOverEachTransport() {
    driver.get(service.url("/"));
    assertTicksOver("websocket");
    for (String transport : List.of("sse", "longpoll", "poll", "sockjs", "websocket")) {
      driver.findElement(By.cssSelector("#clock-switch input[value='" + transport + "']")).click();
      assertTicksOver(transport);
    }
  }

  /** The page says it uses the transport, and the clock moves forward on it. */
  private void assertTicksOver(String transport) {
    WebDriverWait wait = new WebDriverWait(driver, WAIT);
    wait.withMessage(() -> "the clock to open over " + transport + "; it says " + shown().get(2))
        .until(d -> transport.equals(shown().get(2)) && "open".equals(shown().get(3)));
    long first = ts(wait, 0);
    long second = ts(wait, first);
    assertTrue(second > first, transport + ": " + first + " then " + second);
  }

  private long ts(WebDriverWait wait, long after) {
    return wait.withMessage("a tick after " + after).until(d -> {
      String ts = (String) shown().get(1);
      return ts.isEmpty() || Long.parseLong(ts) <= after ? null : Long.parseLong(ts);
    });
  }

  /** The clock's text, its data-ts, the transport in use and the clock's state (data-state), read in one script. */
  private List<?> shown() {
    return (List<?>) ((JavascriptExecutor) driver).executeScript(
        "const c = document.getElementById('clock');"
            + "return [c.textContent, c.dataset.ts || '', document.body.dataset.transport || '',"
            + " document.getElementById('clock-state').dataset.state];");
  }
}
