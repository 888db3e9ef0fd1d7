package io.socketpush.bench;

import io.vertx.core.json.JsonObject;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.Color;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Draws {@code docs/bench/transports.jsonl} ({@link TransportBench}): server CPU per update, bytes on the wire per
 * update and heap per client, a group of bars per client count, a bar per transport; and prints the table for
 * the docs. The newest run wins for each transport and client count.
 */
final class TransportReport {
  private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
      new Color(0x9467bd), new Color(0xd62728)};

  private TransportReport() {
  }

  static void main(String results, String outDir) throws IOException {
    System.setProperty("java.awt.headless", "true");
    Map<String, Map<Integer, JsonObject>> runs = newest(results);
    save(chart("Server CPU per delivered update (net of the idle server)", "µs per update",
        series(runs, r -> r.getDouble("serverCpuUsPerUpdateNetOfIdle"))), new File(outDir, "transports-cpu.png"));
    save(chart("Bytes on the wire per delivered update (both ways, HTTP and TCP/IP headers)", "bytes per update",
        series(runs, r -> r.getDouble("wireBytesPerUpdate"))), new File(outDir, "transports-bytes.png"));
    save(chart("Server live heap per open client (after a full GC)", "bytes per client",
        series(runs, r -> r.getLong("heapBytesPerClient") == null ? null : r.getLong("heapBytesPerClient").doubleValue())),
        new File(outDir, "transports-memory.png"));
    System.out.println(table(runs));
  }

  /** transport → clients → newest run. */
  private static Map<String, Map<Integer, JsonObject>> newest(String results) throws IOException {
    Map<String, Map<Integer, JsonObject>> runs = new TreeMap<>();
    for (String line : Files.readAllLines(Path.of(results))) {
      if (!line.isBlank()) {
        JsonObject run = new JsonObject(line);
        runs.computeIfAbsent(run.getString("transport"), t -> new TreeMap<>()).put(run.getInteger("clients"), run);
      }
    }
    return runs;
  }

  /** The newest idle server's CPU per second in a results file, or null. */
  static Double newestIdleCpuMsPerSecond(Path results) throws IOException {
    if (!Files.exists(results)) {
      return null;
    }
    JsonObject idle = newest(results.toString()).getOrDefault("idle", Map.of()).get(0);
    return idle == null ? null : idle.getDouble("serverCpuMs") / idle.getDouble("seconds");
  }

  /** Grouped bars: a group per client count, a bar per transport (three counts read better as groups than on an axis). */
  private static DefaultCategoryDataset series(Map<String, Map<Integer, JsonObject>> runs, Function<JsonObject, Double> y) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (String transport : TransportClients.TRANSPORTS) {
      runs.getOrDefault(transport, Map.of()).forEach((n, run) -> {
        Double v = y.apply(run);
        if (v != null && v > 0) {
          data.addValue(v, transport, String.format(Locale.ROOT, "%,d clients", n));
        }
      });
    }
    return data;
  }

  private static JFreeChart chart(String title, String y, DefaultCategoryDataset data) {
    JFreeChart chart = ChartFactory.createBarChart(title, null, y, data, PlotOrientation.VERTICAL, true, false, false);
    CategoryPlot plot = chart.getCategoryPlot();
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    renderer.setBarPainter(new StandardBarPainter()); // flat bars, no gradient
    for (int i = 0; i < data.getRowCount(); i++) {
      renderer.setSeriesPaint(i, COLORS[TransportClients.TRANSPORTS.indexOf(data.getRowKey(i).toString())]);
    }
    renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("#,##0")));
    renderer.setDefaultItemLabelsVisible(true);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    return chart;
  }

  private static void save(JFreeChart chart, File file) throws IOException {
    file.getParentFile().mkdirs();
    ChartUtils.saveChartAsPNG(file, chart, 900, 540);
    System.out.println("wrote " + file);
  }

  /** The Markdown table of docs/transports.md, from the same runs as the charts. */
  static String table(Map<String, Map<Integer, JsonObject>> runs) {
    StringBuilder t = new StringBuilder("| clients | transport | server CPU per update, net of idle | server CPU | client CPU "
        + "(busiest thread), loop lag p99 | bytes per update: syscalls / wire | latency p50 / p99 | updates/client/s | requests/s "
        + "| open connections | heap / RSS per client | failures |\n"
        + "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    Map<Integer, Map<Integer, JsonObject>> byClients = new TreeMap<>();
    runs.forEach((transport, m) -> m.forEach((n, run) -> {
      if (!transport.equals("idle")) {
        byClients.computeIfAbsent(n, k -> new TreeMap<>()).put(TransportClients.TRANSPORTS.indexOf(transport), run);
      }
    }));
    byClients.forEach((n, m) -> m.values().forEach(r -> t.append(String.format(Locale.ROOT,
        "| %,d | %s | %s µs | %.1f %% | %.1f %% (%.1f %%), %s ms | %s / %s | %d / %d ms | %.2f | %,.0f | %,d | %s / %s | %d |%n",
        n, r.getString("transport"), num(r.getDouble("serverCpuUsPerUpdateNetOfIdle")), r.getDouble("serverCpuPercent"),
        r.getDouble("clientCpuPercent"), r.getDouble("clientBusiestThreadPercent"),
        r.containsKey("clientLoopLagMs") ? String.valueOf(r.getJsonObject("clientLoopLagMs").getLong("p99")) : "–", num(r.getDouble("syscallBytesPerUpdate")),
        num(r.getDouble("wireBytesPerUpdate")), r.getJsonObject("latencyMs").getLong("p50"),
        r.getJsonObject("latencyMs").getLong("p99"), r.getDouble("updatesPerClientPerSecond"), r.getDouble("requestsPerSecond"),
        r.getInteger("openConnections"), kb(r.getLong("heapBytesPerClient")), kb(r.getLong("rssBytesPerClient")),
        r.getLong("failures")))));
    JsonObject idle = runs.getOrDefault("idle", Map.of()).get(0);
    if (idle != null) {
      t.append(String.format(Locale.ROOT, "%nidle server: %d ms of CPU in %.1f s (%.1f %%), %,d bytes through system calls%n",
          idle.getLong("serverCpuMs"), idle.getDouble("seconds"), idle.getDouble("serverCpuPercent"), idle.getLong("syscallBytes")));
    }
    return t.toString();
  }

  private static String num(Double v) {
    return v == null ? "–" : String.format(Locale.ROOT, v >= 100 ? "%,.0f" : "%.1f", v);
  }

  private static String kb(Long bytes) {
    return bytes == null ? "–" : String.format(Locale.ROOT, "%.1f KB", bytes / 1000.0);
  }
}
