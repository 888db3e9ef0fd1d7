package io.socketpush.bench;

import io.vertx.core.json.JsonObject;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.TreeMap;

/**
 * Draws the results file: fan-out latency percentiles against sockets (ours and the floor), and
 * broadcast p95 RTT against clients. The newest run wins for each server and socket count. Runs whose
 * note starts with {@code "vs node pair"} (the three servers in turn) also make a chart of each figure
 * as a ratio to Node's, the median over the pairs.
 */
final class Plot {
  private Plot() {
  }

  static void main(String results, String outDir) throws IOException {
    System.setProperty("java.awt.headless", "true");
    Map<String, JsonObject> fanout = new TreeMap<>();
    Map<String, JsonObject> broadcast = new TreeMap<>();
    Map<String, Map<String, JsonObject>> pairs = new TreeMap<>(); // "mode note" -> server -> run
    for (String line : Files.readAllLines(Path.of(results))) {
      if (line.isBlank()) {
        continue;
      }
      JsonObject run = new JsonObject(line);
      if (!run.getString("clientTransport", "epoll").equals("epoll")) {
        continue; // one client setup per plot: transport experiments stay in the file, not in the picture
      }
      if (run.getString("note", "").startsWith("vs node pair")) {
        pairs.computeIfAbsent(run.getString("mode") + " " + run.getString("note"), k -> new HashMap<>())
            .put(run.getString("server"), run);
      }
      if (run.getString("mode").equals("fanout") && run.getLong("tickMs", 1000L) == 1000 && !run.containsKey("histoPerSocket")) {
        // (a heap-histogram run is short and pauses the server for its histograms: not a latency figure)
        fanout.put(run.getString("server") + "/" + run.getInteger("sockets"), run);
      } else if (run.getString("mode").equals("broadcast") && run.getJsonArray("steps").size() > 1) {
        broadcast.put(run.getString("server"), run);
      }
    }
    XYSeriesCollection lat = new XYSeriesCollection();
    for (String server : new String[] {"ours", "floor"}) {
      for (String p : new String[] {"p50", "p99", "p99.9"}) {
        XYSeries s = new XYSeries(server + " " + p);
        fanout.values().stream().filter(r -> r.getString("server").equals(server))
            .forEach(r -> s.add(r.getInteger("sockets").doubleValue(),
                Math.max(0.1, r.getJsonObject("latencyMs").getDouble(p))));
        if (!s.isEmpty()) {
          lat.addSeries(s);
        }
      }
    }
    save(chart("Tick delivery latency (receipt − ts), one tick/s", "sockets on /ws/time", "latency (ms, log)", lat, true),
        new File(outDir, "fanout-latency.png"));
    XYSeriesCollection rtt = new XYSeriesCollection();
    broadcast.forEach((server, run) -> {
      XYSeries s = new XYSeries(server + " p95");
      run.getJsonArray("steps").forEach(o -> {
        JsonObject st = (JsonObject) o;
        if (st.containsKey("rttMs")) {
          s.add(st.getInteger("clients").doubleValue(), st.getJsonObject("rttMs").getDouble("p95"));
        }
      });
      rtt.addSeries(s);
    });
    if (rtt.getSeriesCount() > 0) {
      save(chart("websocket-shootout broadcast RTT", "clients on /ws/bench", "p95 RTT (ms)", rtt, false),
          new File(outDir, "broadcast-rtt.png"));
    }
    againstNode(pairs, new File(outDir, "against-node.png"));
  }

  /** Each figure of the side-by-side pairs as a ratio to Node's (1 = Node), the median over the pairs. */
  private static void againstNode(Map<String, Map<String, JsonObject>> pairs, File file) throws IOException {
    record Figure(String mode, String label, ToDoubleFunction<JsonObject> value) {
    }
    List<Figure> figures = List.of(
        new Figure("fanout", "CPU per tick", r -> r.getDouble("serverCpuUsPerMsg")),
        new Figure("fanout", "tick p99", r -> r.getJsonObject("latencyMs").getDouble("p99")),
        new Figure("fanout", "RSS per socket", r -> r.getDouble("rssBytesPerSocket")),
        new Figure("fanout", "heap per socket", r -> r.getDouble("heapBytesPerSocket")),
        new Figure("echo", "echo round trips/s", r -> r.getDouble("roundTripsPerSecond")));
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    int counted = 0;
    for (String server : new String[] {"ours", "floor"}) {
      for (Figure f : figures) {
        List<Double> ratios = new ArrayList<>();
        pairs.forEach((key, runs) -> {
          if (key.startsWith(f.mode() + " ") && runs.containsKey(server) && runs.containsKey("node")) {
            ratios.add(f.value().applyAsDouble(runs.get(server)) / f.value().applyAsDouble(runs.get("node")));
          }
        });
        if (!ratios.isEmpty()) {
          Collections.sort(ratios);
          data.addValue(ratios.get(ratios.size() / 2), server.equals("ours") ? "socket-push" : "floor (bare Netty)", f.label());
          counted = Math.max(counted, ratios.size());
        }
      }
    }
    if (data.getRowCount() == 0) {
      return;
    }
    JFreeChart chart = ChartFactory.createBarChart("Against Node's ws (1 = Node), median of " + counted + " pairs",
        null, "ratio to Node's figure", data, PlotOrientation.VERTICAL, true, false, false);
    CategoryPlot plot = chart.getCategoryPlot();
    plot.setBackgroundPaint(java.awt.Color.WHITE);
    plot.setRangeGridlinePaint(java.awt.Color.LIGHT_GRAY);
    plot.addRangeMarker(new ValueMarker(1.0, java.awt.Color.BLACK, new java.awt.BasicStroke(1.5f)));
    plot.getRenderer().setSeriesPaint(0, new java.awt.Color(0x1f77b4));
    plot.getRenderer().setSeriesPaint(1, new java.awt.Color(0x999999));
    save(chart, file);
  }

  private static JFreeChart chart(String title, String x, String y, XYSeriesCollection data, boolean logY) {
    JFreeChart chart = ChartFactory.createXYLineChart(title, x, y, data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    java.awt.Color[] colors = {new java.awt.Color(0x1f77b4), new java.awt.Color(0xd62728), new java.awt.Color(0x2ca02c)};
    for (int i = 0; i < data.getSeriesCount(); i++) {
      String key = data.getSeriesKey(i).toString();
      String p = key.substring(key.indexOf(' ') + 1);
      renderer.setSeriesPaint(i, colors[p.equals("p99.9") ? 2 : p.equals("p99") ? 1 : 0]);
      if (key.startsWith("floor")) { // the floor dashed, ours solid
        renderer.setSeriesStroke(i, new java.awt.BasicStroke(2f, java.awt.BasicStroke.CAP_BUTT,
            java.awt.BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
      } else {
        renderer.setSeriesStroke(i, new java.awt.BasicStroke(2f));
      }
    }
    plot.setRenderer(renderer);
    plot.setBackgroundPaint(java.awt.Color.WHITE);
    plot.setDomainGridlinePaint(java.awt.Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(java.awt.Color.LIGHT_GRAY);
    if (logY) {
      LogAxis axis = new LogAxis(y);
      axis.setBase(10);
      axis.setSmallestValue(1);
      axis.setNumberFormatOverride(new java.text.DecimalFormat("0"));
      plot.setRangeAxis(axis);
    }
    return chart;
  }

  private static void save(JFreeChart chart, File file) throws IOException {
    file.getParentFile().mkdirs();
    ChartUtils.saveChartAsPNG(file, chart, 900, 540);
    System.out.println("wrote " + file);
  }
}
