package io.socketpush;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jar that ships, read after {@code package}: the benchmarks live in {@code bench/} and plug in
 * from outside (bench/README.md), so production carries none of their classes, their extension
 * registration or the plotting library only they use. (HdrHistogram stays: Micrometer needs it.)
 */
class FatJarIT {
  private static final Path JAR = Path.of("target/socket-push.jar");
  /** The bench module's packages, a {@code Bench*} class anywhere of ours, its registration, its plotting library. */
  private static final Pattern BENCHMARK = Pattern.compile(
      "io/socketpush/bench/.*|io/socketpush/(.*/)?Bench[^/]*\\.class|org/jfree/.*"
          + "|META-INF/services/io\\.socketpush\\.server\\.Extension");

  @Test
  void holdsNoBenchmarkClassNorItsPlottingLibrary() throws IOException {
    assertTrue(Files.isRegularFile(JAR), JAR + " is built by package, before the integration tests");
    try (JarFile jar = new JarFile(JAR.toFile())) {
      List<String> benchmark = jar.stream().map(ZipEntry::getName).filter(name -> BENCHMARK.matcher(name).matches()).toList();
      assertEquals(List.of(), benchmark, "benchmark code belongs in bench/, not in the product's jar");
      assertTrue(jar.getEntry("io/socketpush/Main.class") != null, "the product itself is in the jar");
    }
  }

  /** http.transport's native transports travel in the jar, where Netty's loader looks for them. */
  @Test
  void carriesTheNativeTransportsForLinuxX8664() throws IOException {
    try (JarFile jar = new JarFile(JAR.toFile())) {
      for (String lib : List.of("libnetty_transport_native_epoll_x86_64.so", "libnetty_transport_native_io_uring42_x86_64.so")) {
        assertTrue(jar.getEntry("META-INF/native/" + lib) != null, lib + " is in the jar");
      }
    }
  }

  /** {@code java -jar} with the defaults picks epoll on Linux x86_64, from the library inside the jar. */
  @Test
  void runsOnEpollFromTheJarOnLinuxX8664() throws Exception {
    if (!System.getProperty("os.name").equals("Linux") || !System.getProperty("os.arch").equals("amd64")) {
      return; // the jar carries Linux x86_64 libraries only: elsewhere it runs on NIO
    }
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    ProcessBuilder builder = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-jar", JAR.toString(),
        "--http.host=127.0.0.1").redirectErrorStream(true);
    builder.environment().put("HTTP_PORT", String.valueOf(port));
    Process jar = builder.start();
    List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> new java.io.BufferedReader(new java.io.InputStreamReader(jar.getInputStream(),
        java.nio.charset.StandardCharsets.UTF_8)).lines().forEach(lines::add), "jar-output");
    reader.setDaemon(true);
    reader.start();
    try {
      Await.until(() -> lines.stream().anyMatch(l -> l.contains("listening on")) || !jar.isAlive(), 120_000);
      assertTrue(lines.stream().anyMatch(l -> l.contains("network transport: epoll (http.transport=auto)")),
          String.join("\n", lines));
    } finally {
      jar.destroyForcibly();
      jar.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }
}
