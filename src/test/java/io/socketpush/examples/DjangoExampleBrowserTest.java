package io.socketpush.examples;

import io.socketpush.Await;
import io.socketpush.HeadlessChromium;
import io.socketpush.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * examples/django for real: Django's dev server and a socket-push node, ann and bob logged in with Chromium;
 * an order of ann's reaches ann's page and not bob's, and ann's logout ends her socket (the disconnect API).
 */
@ExtendWith(VertxExtension.class)
class DjangoExampleBrowserTest {
  private static final Path EXAMPLE = Path.of("examples/django");
  private static final String PYTHON = "/usr/bin/python3";
  private static final String KEY = "example-api-key";
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final List<Process> processes = new ArrayList<>();
  private final List<HeadlessChromium> browsers = new ArrayList<>();
  private TestService service;
  private Vertx vertx;

  @AfterEach
  void stop() {
    browsers.forEach(HeadlessChromium::close);
    processes.forEach(Process::destroy);
  }

  private static void requireDjango() throws Exception {
    boolean present = new File(PYTHON).canExecute()
        && new ProcessBuilder(PYTHON, "-c", "import django").start().waitFor() == 0;
    if (!present) {
      String reason = "DjangoExampleBrowserTest needs Debian's python3-django (apt-get install python3-django)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail("CI=true and " + reason);
      }
      System.out.println("SKIPPED: " + reason);
      Assumptions.abort(reason);
    }
  }

  private Process django(Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(PYTHON, "manage.py"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(EXAMPLE.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().putAll(env);
    Process process = builder.start();
    processes.add(process);
    return process;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private JsonArray userChannels() {
    return Await.result(TestService.on(vertx, () -> {
      var http = vertx.createHttpClient();
      return http.request(new RequestOptions().setHost(TestService.HOST).setPort(service.port())
              .setURI("/api/channels?pattern=user:*").putHeader("X-API-Key", KEY))
          .compose(req -> req.send()).compose(resp -> resp.body()).map(b -> b.toJsonObject().getJsonArray("channels"))
          .eventually(http::close);
    }), 10);
  }

  private ChromeDriver logIn(String base, String user, String password) throws IOException {
    HeadlessChromium browser = HeadlessChromium.start(WAIT);
    browsers.add(browser);
    ChromeDriver driver = browser.driver();
    driver.get(base + "/login/");
    driver.findElement(By.id("username")).sendKeys(user);
    driver.findElement(By.id("password")).sendKeys(password);
    driver.findElement(By.id("login")).click();
    waitFor(driver, user + " logged in", () -> driver.findElements(By.id("who")).size() == 1);
    return driver;
  }

  private static void waitFor(ChromeDriver driver, String what, BooleanSupplier condition) {
    new WebDriverWait(driver, WAIT).withMessage(what).until(d -> condition.getAsBoolean());
  }

  private static List<String> messages(ChromeDriver driver) {
    return driver.findElements(By.cssSelector("#messages li")).stream().map(e -> e.getText()).toList();
  }

  @Test
  void anOrderReachesOnlyItsUsersPageAndLoggingOutEndsTheSocket(Vertx vertx) throws Exception {
    HeadlessChromium.require("DjangoExampleBrowserTest");
    requireDjango();
    this.vertx = vertx;
    int djangoPort = freePort();
    service = Await.result(TestService.start(vertx, new JsonObject()
        .put("channels", new JsonObject().put("apiKey", KEY))
        .put("proxy", new JsonObject().put("connectUrl", "http://127.0.0.1:" + djangoPort + "/socket-push/connect"))), 20);
    Path db = Files.createTempFile("django-example", ".sqlite3");
    Map<String, String> env = Map.of("DJANGO_DB", db.toString(), "SOCKET_PUSH_URL", "http://127.0.0.1:" + service.port());
    assertEquals(0, django(env, "migrate", "-v", "0").waitFor());
    assertEquals(0, django(env, "shell", "-c", "from django.contrib.auth.models import User; "
        + "User.objects.create_user('ann', password='ann-pass'); User.objects.create_user('bob', password='bob-pass')").waitFor());
    django(env, "runserver", "127.0.0.1:" + djangoPort, "--noreload");
    String base = "http://127.0.0.1:" + djangoPort;
    Await.until(() -> Await.result(TestService.on(vertx, () -> {
      var http = vertx.createHttpClient();
      return http.request(io.vertx.core.http.HttpMethod.GET, djangoPort, "127.0.0.1", "/login/")
          .compose(req -> req.send()).map(resp -> resp.statusCode() == 200).otherwise(false).eventually(http::close);
    }), 10), 30_000);

    ChromeDriver ann = logIn(base, "ann", "ann-pass");
    ChromeDriver bob = logIn(base, "bob", "bob-pass");
    Await.until(() -> userChannels().size() == 2, 20_000); // both pages subscribed, each to its own user:<id>

    ann.findElement(By.cssSelector("#order button")).click();
    waitFor(ann, "ann's order pushed to her page", () -> messages(ann).contains("order received: a teapot"));
    bob.findElement(By.cssSelector("#order input[name=item]")).clear();
    bob.findElement(By.cssSelector("#order input[name=item]")).sendKeys("a kettle");
    bob.findElement(By.cssSelector("#order button")).click();
    waitFor(bob, "bob's own order pushed to his page", () -> messages(bob).contains("order received: a kettle"));
    assertEquals(List.of("order received: a kettle"), messages(bob), "bob never saw ann's");
    assertEquals(List.of("order received: a teapot"), messages(ann), "nor ann bob's");

    ann.findElement(By.id("logout")).click();
    Await.until(() -> userChannels().size() == 1, 20_000); // ann's socket closed by the disconnect API
    assertTrue(userChannels().getJsonObject(0).getInteger("subscribers") == 1);
  }
}
