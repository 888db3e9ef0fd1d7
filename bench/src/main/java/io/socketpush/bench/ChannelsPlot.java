package io.socketpush.bench;

import io.vertx.core.json.JsonObject;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The knee of the channels path: delivery p99 against offered publications/s, one series per member count,
 * from the {@code channels} runs whose note starts with the given prefix (the newest run wins per point).
 * A point whose publications were not all acknowledged and delivered is drawn at the top of the axis: the
 * rate was not held.
 */
final class ChannelsPlot {
  private static final double NOT_HELD_MS = 100_000;

  private ChannelsPlot() {
  }

  static void main(String results, String prefix, String out) throws IOException {
    System.setProperty("java.awt.headless", "true");
    Map<Integer, Map<Double, JsonObject>> byMembers = new TreeMap<>();
    for (String line : Files.readAllLines(Path.of(results))) {
      if (line.isBlank()) {
        continue;
      }
      JsonObject run = new JsonObject(line);
      if (!"channels".equals(run.getString("mode")) || !run.getString("note", "").startsWith(prefix)) {
        continue;
      }
      int members = run.getJsonArray("ports").size();
      byMembers.computeIfAbsent(members, m -> new TreeMap<>()).put(run.getDouble("publicationsPerSecondTarget"), run);
    }
    XYSeriesCollection data = new XYSeriesCollection();
    byMembers.forEach((members, runs) -> {
      XYSeries s = new XYSeries(members == 1 ? "one instance" : members + " members");
      runs.forEach((offered, run) -> s.add(offered.doubleValue(), held(run) ? Math.max(1, p99(run)) : NOT_HELD_MS));
      data.addSeries(s);
    });
    JFreeChart chart = ChartFactory.createXYLineChart("Channels: delivery p99 against offered publications/s (20 rooms × 5)",
        "offered publications/s", "delivery p99 (ms, log; top: not held)", data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setRenderer(new XYLineAndShapeRenderer(true, true));
    plot.setBackgroundPaint(java.awt.Color.WHITE);
    plot.setDomainGridlinePaint(java.awt.Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(java.awt.Color.LIGHT_GRAY);
    LogAxis axis = new LogAxis("delivery p99 (ms, log; top: not held)");
    axis.setBase(10);
    axis.setSmallestValue(1);
    axis.setNumberFormatOverride(new java.text.DecimalFormat("0"));
    plot.setRangeAxis(axis);
    plot.addRangeMarker(new ValueMarker(1000, java.awt.Color.GRAY, new java.awt.BasicStroke(1f)));
    File file = new File(out);
    file.getAbsoluteFile().getParentFile().mkdirs();
    ChartUtils.saveChartAsPNG(file, chart, 900, 540);
    System.out.println("wrote " + file);
  }

  /** Every publication acknowledged and every delivery made (none refused, none missing). */
  static boolean held(JsonObject run) {
    return run.getLong("published", 0L) > 0 && run.getLong("acknowledged", 0L).equals(run.getLong("published"))
        && run.getLong("delivered", 0L) >= run.getLong("expected", 1L);
  }

  private static double p99(JsonObject run) {
    JsonObject latency = run.getJsonObject("latencyMs");
    return latency == null ? NOT_HELD_MS : latency.getDouble("p99", NOT_HELD_MS);
  }
}
