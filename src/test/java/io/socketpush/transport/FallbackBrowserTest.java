package io.socketpush.transport;

import io.socketpush.SocketPush;
import io.socketpush.config.ConfigSources;
import io.socketpush.config.ServiceConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * socket-push.js in headless Chromium: with WebSocket taken away from the page (a script that runs before
 * the page's own, through the DevTools protocol) the clock still ticks, over SSE; without EventSource
 * either, over long-polling; and the page's switch shows it over each of the five transports.
 * Skipped like BrowserTest where Chromium is missing, except on CI.
 */
@ExtendWith(VertxExtension.class)
class FallbackBrowserTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration WAIT = Duration.ofSeconds(10);

  private SocketPush app;
  private Path profile;
  private ChromeDriverService driverService;
  private ChromeDriver driver;

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) throws IOException {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      String reason = "needs " + CHROMIUM + " and " + CHROMEDRIVER;
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail("CI=true and FallbackBrowserTest " + reason);
      }
      Assumptions.abort(reason);
    }
    JsonObject conf = new JsonObject().put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"));
    Future<SocketPush> started = SocketPush.start(vertx, ServiceConfig.from(ConfigSources.of(conf)));
    System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
    System.setProperty("SE_OFFLINE", "true");
    profile = Files.createTempDirectory("fallback-browser-test");
    driverService = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    driver = new ChromeDriver(driverService, new ChromeOptions().setBinary(CHROMIUM.toFile())
        .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--user-data-dir=" + profile));
    started.onComplete(ctx.succeeding(a -> {
      app = a;
      ctx.completeNow();
    }));
  }

  @AfterEach
  void stop(Vertx vertx, VertxTestContext ctx) {
    try {
      if (driver != null) {
        driver.quit();
      }
    } finally {
      if (driverService != null) {
        driverService.stop();
      }
      if (profile != null) {
        try (Stream<Path> files = Files.walk(profile)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
          System.out.println("could not delete " + profile + ": " + e);
        }
      }
    }
    (app == null ? Future.<Void>succeededFuture() : app.shutdown()).eventually(vertx::close)
        .onComplete(ctx.succeedingThenComplete());
  }

  /** Runs before any script of every page this browser loads. */
  private void beforeThePage(String script) {
    driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", script));
  }

  @Test
  void withoutWebSocketTheClockTicksOverSse() {
    beforeThePage("window.WebSocket = undefined;");
    driver.get("http://127.0.0.1:" + app.httpPort() + "/");
    assertTicksOver("sse");
    assertEquals("no WebSocket", driver.findElement(By.id("echo-state")).getText());
  }

  @Test
  void withoutWebSocketAndEventSourceTheClockTicksOverLongPolling() {
    beforeThePage("window.WebSocket = undefined; window.EventSource = undefined;");
    driver.get("http://127.0.0.1:" + app.httpPort() + "/");
    assertTicksOver("longpoll");
  }

  @Test
  void theSwitchShowsTheClockOverEachTransport() {
    driver.get("http://127.0.0.1:" + app.httpPort() + "/");
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

  /** The clock's text, its data-ts, the transport in use and the clock's state, read in one script. */
  private List<?> shown() {
    return (List<?>) ((JavascriptExecutor) driver).executeScript(
        "const c = document.getElementById('clock');"
            + "return [c.textContent, c.dataset.ts || '', document.body.dataset.transport || '',"
            + " document.getElementById('clock-state').textContent];");
  }
}
