package io.socketpush.admin;

import io.socketpush.Await;
import io.socketpush.HeadlessChromium;
import io.socketpush.TestService;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin console in headless Chromium: it logs in, sees the live numbers move as sockets open and ticks
 * flow, publishes into a channel and sees the publication reach a WebSocket subscriber; a POST without the
 * CSRF token is refused, and a wrong password is refused and slows the next try down. It finds a user's
 * connection and disconnects it with one click.
 * Skipped like BrowserTest where Chromium is missing, except on CI. {@code -Dadmin.screenshot=file.png} keeps
 * screenshots (file-desktop.png, file-phone.png, file-channel.png, file-user.png).
 */
@ExtendWith(VertxExtension.class)
class AdminBrowserTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String PASSWORD = "correct horse battery staple";
  private static final String SECRET = "admin-browser-test-secret-long-enough";

  private TestService service;
  private HeadlessChromium chromium;

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx, new JsonObject().put("admin", new JsonObject().put("password", PASSWORD))
            .put("security", new JsonObject().put("jwt", new JsonObject().put("secret", SECRET))))
        .onComplete(ctx.succeeding(s -> {
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

  @Test
  void logsInSeesLiveNumbersAndPublishesToASocket(Vertx vertx) throws Exception {
    HeadlessChromium.require("AdminBrowserTest");
    chromium = HeadlessChromium.start(WAIT);
    ChromeDriver driver = chromium.driver();
    WebDriverWait wait = new WebDriverWait(driver, WAIT);
    driver.get(service.url("/"));
    wait.withMessage("the demo page's link to the console, which is on").until(d -> d.findElement(By.id("admin-link")).isDisplayed());
    driver.findElement(By.cssSelector("#admin-link a")).click();
    wait.until(d -> d.findElement(By.id("login")).isDisplayed());
    driver.findElement(By.id("password")).sendKeys(PASSWORD);
    driver.findElement(By.id("login-button")).click();
    wait.withMessage("the console, live").until(d -> d.findElement(By.id("status")).getText().startsWith("live"));
    assertEquals(Boolean.TRUE, driver.executeScript("return typeof Chart === 'function'"), "Chart.js from the WebJar");

    // a clock socket and a channel subscriber: the numbers must move
    List<String> received = new CopyOnWriteArrayList<>();
    WebSocket clock = service.connect("/ws/time").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    WebSocket subscriber = service.connect("/ws").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    subscriber.textMessageHandler(received::add);
    subscriber.writeTextMessage("{\"id\":1,\"op\":\"subscribe\",\"channel\":\"chat:admin\"}");
    wait.withMessage("two sockets counted").until(d -> Integer.parseInt(text(d, "total-sockets")) >= 2);
    wait.withMessage("ticks going out").until(d -> Double.parseDouble(text(d, "total-out")) > 0);
    wait.withMessage("chat:admin among the busiest channels").until(d -> text(d, "channels").contains("chat:admin"));

    screenshot(driver, "desktop");
    driver.manage().window().setSize(new Dimension(390, 844));
    wait.withMessage("no horizontal scroll at 390 px").until(d -> Long.valueOf(0).equals(driver.executeScript(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;")));
    screenshot(driver, "phone");
    driver.manage().window().setSize(new Dimension(1100, 900));

    // found and clicked in one script: the table is drawn anew each second
    driver.executeScript("[...document.querySelectorAll('#channels a')].find(a => a.textContent === 'chat:admin').click();");
    wait.until(d -> d.findElement(By.id("channel-view")).isDisplayed());
    driver.findElement(By.id("publish-data")).sendKeys("{\"text\":\"from the console\"}");
    driver.findElement(By.id("publish-button")).click();
    wait.withMessage("the publication acknowledged").until(d -> text(d, "publish-result").startsWith("published as #1"));
    wait.withMessage("the publication in the history").until(d -> text(d, "channel-history").contains("from the console"));
    wait.withMessage("the publication at the subscriber: " + received)
        .until(d -> received.stream().anyMatch(m -> m.contains("from the console")));

    Object refused = driver.executeAsyncScript("const done = arguments[0];"
        + "fetch('/admin/api/channels/chat:admin', {method: 'POST', body: '\"forged\"', headers: {'Content-Type': 'application/json'}})"
        + ".then(r => done(r.status), e => done(String(e)));");
    assertEquals(403L, refused, "a POST without the CSRF token");

    screenshot(driver, "channel");
    clock.close();
    subscriber.close();
  }

  @Test
  void findsAUsersConnectionAndDisconnectsItWithOneClick(Vertx vertx) throws Exception {
    HeadlessChromium.require("AdminBrowserTest");
    JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    WebSocket ada = Await.result(service.connect("/ws?token=" + jwt.generateToken(new JsonObject().put("sub", "ada"),
        new JWTOptions().setExpiresInSeconds(300))), 10);
    WebSocket bob = Await.result(service.connect("/ws?token=" + jwt.generateToken(new JsonObject().put("sub", "bob"),
        new JWTOptions().setExpiresInSeconds(300))), 10);
    Promise<Short> adaClosed = Promise.promise();
    ada.closeHandler(v -> adaClosed.tryComplete(ada.closeStatusCode()));

    chromium = HeadlessChromium.start(WAIT);
    ChromeDriver driver = chromium.driver();
    WebDriverWait wait = new WebDriverWait(driver, WAIT);
    driver.get(service.url("/admin/"));
    wait.until(d -> d.findElement(By.id("login")).isDisplayed());
    driver.findElement(By.id("password")).sendKeys(PASSWORD);
    driver.findElement(By.id("login-button")).click();
    wait.withMessage("the console, live").until(d -> d.findElement(By.id("status")).getText().startsWith("live"));

    driver.findElement(By.id("user-name")).sendKeys("ada");
    driver.findElement(By.cssSelector("#user-form button")).click();
    wait.withMessage("ada's one connection").until(d -> text(d, "user-count").equals("1 connection"));
    String row = driver.findElement(By.cssSelector("#user-connections tbody tr")).getText();
    assertTrue(row.startsWith("local") && row.contains("channels") && row.contains("127.0.0.1"), row);
    driver.executeScript("document.getElementById('user-view').scrollIntoView();");
    screenshot(driver, "user");

    driver.findElement(By.id("user-disconnect")).click();
    wait.withMessage("the result of the click").until(d -> text(d, "user-result").equals("disconnected 1"));
    assertEquals((short) 4000, Await.result(adaClosed.future(), 10), "ada's socket closed with the application's first code");
    assertEquals("no connection", text(driver, "user-count"), "the list, asked again after the disconnect");
    assertTrue(!bob.isClosed(), "bob stays connected");
    bob.close();
  }

  @Test
  void aWrongPasswordIsRefusedAndTheNextTryMustWait() throws Exception {
    HttpResponse<String> wrong = login("guess");
    assertEquals(401, wrong.statusCode(), wrong.body());
    HttpResponse<String> again = login(PASSWORD);
    assertEquals(429, again.statusCode(), "even the right password waits: " + again.body());
    assertNotNull(again.headers().firstValue("Retry-After").orElse(null));
    assertTrue(service.get("/metrics").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body().toString()
        .contains("socketpush_admin_logins_refused_total{reason=\"wrong password\"} 1.0"));
  }

  @Test
  void theApiNeedsALogin() throws Exception {
    HttpResponse<String> overview = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(service.url("/admin/api/overview")))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(401, overview.statusCode());
  }

  @Test
  void theConsoleIsOffWithoutAPassword() throws Exception {
    Vertx other = Vertx.vertx();
    TestService off = null;
    try {
      off = TestService.start(other).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      for (String path : List.of("/admin", "/admin/", "/admin/api/overview", "/admin/webjars/chart.js/4.4.1/dist/chart.umd.js")) {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(off.url(path))).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(404, response.statusCode(), path);
      }
    } finally {
      TestService.stop(off, other).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private HttpResponse<String> login(String password) throws IOException, InterruptedException {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(service.url("/admin/login")))
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("password", password).encode()))
        .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
  }

  /** With {@code -Dadmin.screenshot=/some/file.png}, keeps a screenshot as /some/file-{name}.png. */
  private static void screenshot(ChromeDriver driver, String name) throws IOException {
    String asked = System.getProperty("admin.screenshot");
    if (asked != null && !asked.isBlank()) {
      Path target = Path.of(asked.replaceFirst("(\\.png)?$", "-" + name + ".png"));
      Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static String text(org.openqa.selenium.WebDriver driver, String id) {
    return driver.findElement(By.id(id)).getText();
  }
}
