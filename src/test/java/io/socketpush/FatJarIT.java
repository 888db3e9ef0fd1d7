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
}
