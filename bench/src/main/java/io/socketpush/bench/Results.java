package io.socketpush.bench;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** How every benchmark mode reports: rounded figures, percentiles of a histogram, one JSON line appended. */
final class Results {
  private Results() {
  }

  /** {@code count}, the given percentiles as {@code p50}, {@code p99.9}…, {@code max} and {@code mean}, in {@code unit}s. */
  static JsonObject percentiles(Histogram h, double unit, double... percentiles) {
    JsonObject out = new JsonObject().put("count", h.getTotalCount());
    for (double p : percentiles) {
      String name = p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p);
      out.put("p" + name, round(h.getValueAtPercentile(p) / unit, 3));
    }
    return out.put("max", round(h.getMaxValue() / unit, 3)).put("mean", round(h.getMean() / unit, 3));
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  /** Appends the run's line to the results file and prints it. */
  static void emit(JsonObject out, String resultsFile) throws IOException {
    out.put("jvm", ManagementFactory.getRuntimeMXBean().getVmVersion());
    Path results = Path.of(resultsFile);
    Files.createDirectories(results.toAbsolutePath().getParent());
    Files.writeString(results, out.encode() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    System.out.println(out.encode());
  }
}
