package io.socketpush.bench;

import io.vertx.core.json.JsonObject;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
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
 * update and heap per client against the number of clients, one line per transport; and prints the table for
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
    save(chart("Server CPU per delivered update (net of the idle server)", "clients (log)", "µs per update (log)",
        series(runs, r -> r.getDouble("serverCpuUsPerUpdateNetOfIdle")), true), new File(outDir, "transports-cpu.png"));
    save(chart("Bytes on the wire per delivered update (both ways, HTTP and TCP/IP headers)", "clients (log)",
        "bytes per update", series(runs, r -> r.getDouble("wireBytesPerUpdate")), false), new File(outDir, "transports-bytes.png"));
    save(chart("Server live heap per open client (after a full GC)", "clients (log)", "bytes per client",
        series(runs, r -> r.getLong("heapBytesPerClient") == null ? null : r.getLong("heapBytesPerClient").doubleValue()), false),
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

  private static XYSeriesCollection series(Map<String, Map<Integer, JsonObject>> runs, Function<JsonObject, Double> y) {
    XYSeriesCollection data = new XYSeriesCollection();
    for (String transport : TransportClients.TRANSPORTS) {
      XYSeries s = new XYSeries(transport);
      runs.getOrDefault(transport, Map.of()).forEach((n, run) -> {
        Double v = y.apply(run);
        if (v != null && v > 0) {
          s.add(n.doubleValue(), v);
        }
      });
      if (!s.isEmpty()) {
        data.addSeries(s);
      }
    }
    return data;
  }

  private static JFreeChart chart(String title, String x, String y, XYSeriesCollection data, boolean logY) {
    JFreeChart chart = ChartFactory.createXYLineChart(title, x, y, data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    for (int i = 0; i < data.getSeriesCount(); i++) {
      renderer.setSeriesPaint(i, COLORS[TransportClients.TRANSPORTS.indexOf(data.getSeriesKey(i).toString())]);
      renderer.setSeriesStroke(i, new BasicStroke(2f));
    }
    plot.setRenderer(renderer);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    LogAxis clients = new LogAxis(x); // 100, 1,000, 5,000: a log axis spaces them evenly
    clients.setBase(10);
    clients.setNumberFormatOverride(new DecimalFormat("#,##0"));
    plot.setDomainAxis(clients);
    if (logY) {
      LogAxis axis = new LogAxis(y);
      axis.setBase(10);
      axis.setNumberFormatOverride(new DecimalFormat("0.#"));
      plot.setRangeAxis(axis);
    }
    return chart;
  }

  private static void save(JFreeChart chart, File file) throws IOException {
    file.getParentFile().mkdirs();
    ChartUtils.saveChartAsPNG(file, chart, 900, 540);
    System.out.println("wrote " + file);
  }

  /** The Markdown table of docs/TRANSPORTS.md, from the same runs as the charts. */
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
