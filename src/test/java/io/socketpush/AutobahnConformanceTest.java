package io.socketpush;

import io.socketpush.config.ConfigSources;
import io.socketpush.config.ServiceConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.python.util.PythonInterpreter;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * RFC 6455 conformance of {@code /ws/echo}, checked by the Autobahn|Testsuite fuzzing client (the
 * Python suite, run under the Jython that {@code autobahntestsuite-maven-plugin} bundles: no Python
 * or Docker needed, nothing downloaded at test time). The service runs in this JVM on a random
 * 127.0.0.1 port; the fuzzing client runs in a child JVM (Twisted's reactor runs once per process,
 * installs signal handlers and leaves threads behind; and see {@link #fuzzerClasspath()}) and writes
 * its report, HTML and {@code index.json}, under {@code target/autobahn-report/<run>/}, which CI may
 * keep as an artifact. Every case's {@code behavior} and {@code behaviorClose} must be OK,
 * NON-STRICT or INFORMATIONAL in the groups that gate the build.
 *
 * <p>Cases 9.* (messages and frames up to 16 MiB, about four minutes) are left out of the normal
 * suite; {@code -Dautobahn.cases9=true} runs them against a service whose {@code ws.maxMessageBytes}
 * is raised to 16 MiB and reports each case's time.
 */
class AutobahnConformanceTest {
  private static final String HOST = "127.0.0.1";
  private static final String AGENT = "socket-push";
  private static final Path REPORT_ROOT = Path.of("target", "autobahn-report");
  /** What counts as passing, for behavior and for behaviorClose alike. */
  private static final Set<String> PASSING = Set.of("OK", "NON-STRICT", "INFORMATIONAL");
  private static final List<String> COLUMNS =
      List.of("OK", "NON-STRICT", "INFORMATIONAL", "FAILED", "UNIMPLEMENTED", "other");

  /**
   * What the plugin's own {@code AutobahnTestSuite.runFuzzingClient} runs, {@code wstest.start(opts,
   * spec)}, but with our spec (read from the file named by the first argument), so that the server's
   * URL may carry a path and the report goes where we say. The fuzzing client stops Twisted's reactor
   * once it has written its reports, and {@code start} then returns.
   */
  private static final String WSTEST = String.join("\n",
      "import json, sys, time",
      "started = time.time()",
      "from autobahntestsuite import wstest",
      "print '[autobahn] Jython and Autobahn|Testsuite loaded in %.1f s' % (time.time() - started)",
      "with open(sys.argv[1]) as f:",
      "    spec = json.load(f)",
      "wstest.start({'mode': 'fuzzingclient'}, spec)",
      "print '[autobahn] fuzzing client done after %.1f s' % (time.time() - started)",
      "sys.stdout.flush()",
      "sys.exit(0)");

  private Vertx vertx;
  private SocketPush app;

  @AfterEach
  void stop() throws Exception {
    if (app != null) {
      await(app.shutdown(), Duration.ofSeconds(30));
    }
    if (vertx != null) {
      await(vertx.close(), Duration.ofSeconds(30));
    }
  }

  /**
   * Cases 1 (framing), 2 (ping/pong), 3 (reserved bits), 4 (opcodes), 5 (fragmentation), 6 (UTF-8),
   * 7 (close handling) and 10 (misc) must all pass; 8 is asked for too and would only be reported
   * (this suite version has no group 8).
   */
  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void echoPassesAutobahnCases1To8And10() throws Exception {
    Report report = fuzz("cases1-8_10", 65536, List.of("1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "8.*", "10.*"),
        Duration.ofMinutes(12));
    System.out.println(report.summary(false));
    if (report.cases.stream().noneMatch(c -> c.group().equals("8"))) {
      System.out.println("cases 8.*: none in this version of Autobahn|Testsuite, nothing to report");
    }

    for (String group : List.of("1", "2", "3", "4", "5", "6", "7", "10")) {
      assertTrue(report.cases.stream().anyMatch(c -> c.group().equals(group)), "no result for cases " + group + ".*");
    }
    List<CaseResult> gating = report.cases.stream().filter(c -> !c.group().equals("8")).toList();
    List<CaseResult> failing = gating.stream().filter(c -> !c.passed()).toList();
    if (!failing.isEmpty()) {
      fail(failing.size() + " Autobahn case(s) of groups 1-7 and 10 failed against /ws/echo (report: "
          + report.dir.toAbsolutePath() + "/index.html):\n"
          + failing.stream().map(CaseResult::line).collect(Collectors.joining("\n")));
    }
  }

  /** Cases 9 (limits and performance): large messages and frames, up to 16 MiB, sent whole and in pieces. */
  @Test
  @EnabledIfSystemProperty(named = "autobahn.cases9", matches = "true")
  @Timeout(value = 30, unit = TimeUnit.MINUTES)
  void echoPassesAutobahnCases9WithLimitRaisedTo16MiB() throws Exception {
    Report report = fuzz("cases9", 16 << 20, List.of("9.*"), Duration.ofMinutes(25));
    System.out.println(report.summary(true));
    assertTrue(report.cases.stream().allMatch(c -> c.group().equals("9")) && report.cases.size() >= 50,
        "expected the 54 cases 9.*, got " + report.cases.size());
    List<CaseResult> failing = report.cases.stream().filter(c -> !c.passed()).toList();
    if (!failing.isEmpty()) {
      fail(failing.size() + " Autobahn case(s) of group 9 failed against /ws/echo (report: "
          + report.dir.toAbsolutePath() + "/index.html):\n"
          + failing.stream().map(CaseResult::line).collect(Collectors.joining("\n")));
    }
  }

  /**
   * Starts the service with the given message limit, runs the fuzzing client against its
   * {@code /ws/echo} in a child JVM, and reads the report.
   */
  private Report fuzz(String run, int maxMessageBytes, List<String> cases, Duration timeout) throws Exception {
    vertx = Vertx.vertx();
    JsonObject conf = new JsonObject()
        .put("http", new JsonObject().put("host", HOST).put("port", 0).put("instances", 1))
        .put("ws", new JsonObject().put("maxMessageBytes", maxMessageBytes)
            // cases 9 echo 16 MiB messages and send 1 MiB in 64-byte fragments as fast as they can
            .put("maxQueuedBytes", Math.max(262_144, 4 * maxMessageBytes))
            .put("framesPerSecond", maxMessageBytes > 65536 ? 1_000_000 : 2000));
    app = await(SocketPush.start(vertx, ServiceConfig.from(ConfigSources.of(conf))), Duration.ofSeconds(30));
    String url = "ws://" + HOST + ":" + app.httpPort() + "/ws/echo";

    Path dir = REPORT_ROOT.resolve(run);
    deleteTree(dir);
    Files.createDirectories(dir);
    JsonObject spec = new JsonObject()
        // the client's own close-handshake wait is 1 s by default: on a loaded machine it gave up before our
        // close frame came and reported "failed by the wrong endpoint"; a conformance test is no latency test
        .put("options", new JsonObject().put("failByDrop", false).put("closeHandshakeTimeout", 15))
        .put("outdir", dir.toAbsolutePath().toString())
        .put("servers", new JsonArray().add(new JsonObject().put("agent", AGENT).put("url", url)))
        .put("cases", new JsonArray(new ArrayList<>(cases)))
        .put("exclude-cases", new JsonArray())
        .put("exclude-agent-cases", new JsonObject());
    Path specFile = dir.resolve("spec.json");
    Files.writeString(specFile, spec.encodePrettily(), StandardCharsets.UTF_8);
    Path log = dir.resolve("wstest.log");

    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g",
        "-Dpython.console.encoding=UTF-8",
        "-cp", fuzzerClasspath(),
        "org.python.util.jython",
        "-c", WSTEST,
        specFile.toAbsolutePath().toString()));
    System.out.println("[autobahn] " + run + ": cases " + cases + " against " + url + ", log " + log);
    long started = System.nanoTime();
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    boolean exited;
    try {
      exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } finally {
      // On our timeout, or JUnit's (which interrupts us): leave no fuzzing client behind.
      if (process.isAlive()) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    Path index = dir.resolve("index.json");
    if (!exited || process.exitValue() != 0 || !Files.exists(index)) {
      fail(String.format(Locale.ROOT, "fuzzing client %s after %.0f s and left %s; its last lines:%n%s",
          exited ? "exited with " + process.exitValue() : "timed out", seconds,
          Files.exists(index) ? "index.json" : "no index.json", tail(log, 30)));
    }
    Report report = Report.read(dir, index, seconds);
    Matcher planned = Pattern.compile("Ok, will run (\\d+) test cases").matcher(Files.readString(log, StandardCharsets.ISO_8859_1));
    assertTrue(planned.find(), "the fuzzing client did not say how many cases it would run; see " + log);
    assertEquals(Integer.parseInt(planned.group(1)), report.cases.size(), "cases in index.json vs cases planned");
    Files.writeString(dir.resolve("summary.txt"), report.summary(true), StandardCharsets.UTF_8);
    return report;
  }

  /**
   * Jython and the Autobahn jar, nothing else. Not the test classpath: Jython treats every Java
   * package on it as an importable module, and our {@code io.socketpush} classes would make
   * {@code import io} (which Twisted needs for {@code BytesIO}) find a Java package instead of
   * Python's {@code io}.
   */
  private static String fuzzerClasspath() throws URISyntaxException {
    Path jython = Path.of(PythonInterpreter.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    URL wstest = AutobahnConformanceTest.class.getClassLoader().getResource("autobahntestsuite/wstest.py");
    if (wstest == null || !"jar".equals(wstest.getProtocol())) {
      throw new IllegalStateException("autobahntestsuite-maven-plugin is not on the test classpath: " + wstest);
    }
    String jar = wstest.getPath().substring(0, wstest.getPath().indexOf("!/"));
    return jython + File.pathSeparator + Path.of(new URI(jar));
  }

  private static <T> T await(Future<T> future, Duration timeout) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static String tail(Path file, int lines) throws IOException {
    if (!Files.exists(file)) {
      return "(no log)";
    }
    List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** One case of the report: its id (e.g. {@code 7.3.2}) and what {@code index.json} says of it. */
  record CaseResult(String id, int[] key, String behavior, String behaviorClose, long durationMs,
                    Integer remoteCloseCode) {
    String group() {
      return String.valueOf(key[0]);
    }

    boolean passed() {
      return PASSING.contains(behavior) && PASSING.contains(behaviorClose);
    }

    String line() {
      return String.format(Locale.ROOT, "  %-9s behavior=%-14s behaviorClose=%-14s remoteCloseCode=%-5s %6d ms",
          id, behavior, behaviorClose, remoteCloseCode == null ? "-" : remoteCloseCode, durationMs);
    }

    static int compare(CaseResult a, CaseResult b) {
      return java.util.Arrays.compare(a.key, b.key);
    }
  }

  /** The fuzzing client's {@code index.json} for our agent, cases in numeric order. */
  record Report(Path dir, List<CaseResult> cases, double wallSeconds) {
    static Report read(Path dir, Path index, double wallSeconds) throws IOException {
      JsonObject all = new JsonObject(Files.readString(index, StandardCharsets.UTF_8));
      JsonObject ours = all.getJsonObject(AGENT);
      List<CaseResult> cases = new ArrayList<>();
      if (ours != null) {
        for (String id : ours.fieldNames()) {
          JsonObject c = ours.getJsonObject(id);
          int[] key = java.util.Arrays.stream(id.split("\\.")).mapToInt(Integer::parseInt).toArray();
          Number duration = c.getNumber("duration");
          Number close = c.getNumber("remoteCloseCode");
          cases.add(new CaseResult(id, key, c.getString("behavior"), c.getString("behaviorClose"),
              duration == null ? 0 : duration.longValue(), close == null ? null : close.intValue()));
        }
      }
      cases.sort(CaseResult::compare);
      return new Report(dir, cases, wallSeconds);
    }

    /** Per group, how many cases had each behavior; then every case not passing (or all, with times). */
    String summary(boolean everyCase) {
      Map<String, List<CaseResult>> groups = new TreeMap<>(Comparator.comparingInt(Integer::parseInt));
      for (CaseResult c : cases) {
        groups.computeIfAbsent(c.group(), g -> new ArrayList<>()).add(c);
      }
      StringBuilder out = new StringBuilder();
      out.append(String.format(Locale.ROOT, "Autobahn|Testsuite fuzzing client against /ws/echo: %d cases in %.1f s (%s)%n",
          cases.size(), wallSeconds, dir.toAbsolutePath()));
      out.append(String.format(Locale.ROOT, "%-6s %6s", "group", "cases"));
      for (String col : COLUMNS) {
        out.append(String.format(Locale.ROOT, " %13s", col));
      }
      out.append(String.format(Locale.ROOT, " %14s %10s%n", "close not OK", "time ms"));
      for (Map.Entry<String, List<CaseResult>> g : groups.entrySet()) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        COLUMNS.forEach(col -> counts.put(col, 0));
        int closeNotPassing = 0;
        long ms = 0;
        for (CaseResult c : g.getValue()) {
          counts.merge(COLUMNS.contains(c.behavior()) ? c.behavior() : "other", 1, Integer::sum);
          if (!PASSING.contains(c.behaviorClose())) {
            closeNotPassing++;
          }
          ms += c.durationMs();
        }
        out.append(String.format(Locale.ROOT, "%-6s %6d", g.getKey(), g.getValue().size()));
        for (String col : COLUMNS) {
          out.append(String.format(Locale.ROOT, " %13d", counts.get(col)));
        }
        out.append(String.format(Locale.ROOT, " %14d %10d%n", closeNotPassing, ms));
      }
      List<CaseResult> shown = everyCase ? cases : cases.stream()
          .filter(c -> !c.passed() || !c.behavior().equals("OK") || !c.behaviorClose().equals("OK")).toList();
      if (!shown.isEmpty()) {
        out.append(everyCase ? "every case:\n" : "cases not plainly OK:\n");
        shown.forEach(c -> out.append(c.line()).append(c.passed() ? "" : "   <-- not passing").append('\n'));
      }
      return out.toString();
    }
  }
}
