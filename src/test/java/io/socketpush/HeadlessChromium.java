package io.socketpush;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's Chromium, headless, driven by Selenium through Debian's chromedriver, with a profile of its
 * own. Selenium Manager must never download a driver or a browser: both paths are given explicitly.
 */
public final class HeadlessChromium implements AutoCloseable {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private final Path profile;
  private final ChromeDriverService service;
  private final ChromeDriver driver;

  private HeadlessChromium(Path profile, ChromeDriverService service, ChromeDriver driver) {
    this.profile = profile;
    this.service = service;
    this.driver = driver;
  }

  /**
   * Skips the calling test, printing why, where Chromium or chromedriver is missing; fails it instead on
   * CI ({@code CI=true}). Call it per test: Surefire does not count a class-level abort as a skipped test.
   */
  public static void require(String test) {
    List<String> missing = new ArrayList<>();
    for (Path binary : List.of(CHROMIUM, CHROMEDRIVER)) {
      if (!Files.isExecutable(binary)) {
        missing.add(binary.toString());
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    String reason = test + " needs Debian's chromium and chromium-driver; missing: " + String.join(", ", missing)
        + " (apt-get install chromium chromium-driver)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("CI=true and " + reason);
    }
    System.out.println("SKIPPED: " + reason);
    Assumptions.abort(reason);
  }

  private static final Duration MIN_PAGE_LOAD = Duration.ofSeconds(60);

  public static HeadlessChromium start(Duration pageLoadTimeout) throws IOException {
    // belt and braces: with the driver path set, Selenium Manager is never consulted; if it were, stay offline
    System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
    System.setProperty("SE_OFFLINE", "true");
    Path profile = Files.createTempDirectory("chromium-test-profile");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .build();
    ChromeOptions options = new ChromeOptions()
        .setBinary(CHROMIUM.toFile())
        .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--window-size=1100,900", "--user-data-dir=" + profile);
    ChromeDriver driver = new ChromeDriver(service, options);
    // a page load waits for every resource: on a loaded machine that can take long, and a page that never loads
    // still fails, only later
    driver.manage().timeouts().pageLoadTimeout(pageLoadTimeout.compareTo(MIN_PAGE_LOAD) < 0 ? MIN_PAGE_LOAD : pageLoadTimeout);
    return new HeadlessChromium(profile, service, driver);
  }

  public ChromeDriver driver() {
    return driver;
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        System.out.println("could not delete " + profile + ": " + e);
      }
    }
  }
}
