package io.socketpush.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What each socket holds on a JVM server's heap, class by class: {@code jmap -histo:live} (a full GC, then
 * every class's live instances and bytes) of the empty server and of the loaded one, the difference divided
 * by the sockets. The empty histogram is taken before connecting, the loaded one after the window.
 */
final class HeapHisto {
  /** {@code   1:   12345   1234567  [B (java.base@17.0.15)}: rank, instances, bytes, class (module). */
  private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

  private HeapHisto() {
  }

  /** The live histogram of a JVM server, as jmap prints it. */
  static String take(ServerUnderTest server) {
    if (server.kind.equals("node")) {
      throw new IllegalArgumentException("--histo needs a JVM server: node has no jmap (its live heap is in nodeMemory)");
    }
    return Proc.run("jmap", "-histo:live", String.valueOf(server.pid));
  }

  private record Row(String type, long instances, long bytes) {
  }

  private static Map<String, Row> parse(String histo) {
    Map<String, Row> rows = new HashMap<>();
    for (String line : histo.split("\n")) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        // a class loaded by two loaders appears twice: summed
        rows.merge(m.group(3), new Row(m.group(3), Long.parseLong(m.group(1)), Long.parseLong(m.group(2))),
            (a, b) -> new Row(a.type, a.instances + b.instances, a.bytes + b.bytes));
      }
    }
    return rows;
  }

  /** Loaded minus empty, largest growth in bytes first. */
  private static List<Row> growth(String empty, String loaded) {
    Map<String, Row> before = parse(empty);
    List<Row> out = new ArrayList<>();
    parse(loaded).forEach((type, row) -> {
      Row b = before.getOrDefault(type, new Row(type, 0, 0));
      out.add(new Row(type, row.instances - b.instances, row.bytes - b.bytes));
    });
    out.sort((a, b) -> Long.compare(b.bytes, a.bytes));
    return out;
  }

  /** The top classes per socket, for the run's JSON line. */
  static JsonArray perSocket(String empty, String loaded, int sockets, int top) {
    JsonArray out = new JsonArray();
    List<Row> rows = growth(empty, loaded);
    for (Row r : rows.subList(0, Math.min(top, rows.size()))) {
      out.add(new JsonObject().put("class", r.type).put("bytesPerSocket", Results.round((double) r.bytes / sockets, 1))
          .put("instancesPerSocket", Results.round((double) r.instances / sockets, 2)));
    }
    return out;
  }

  /** A table for a person: the totals per socket, then the top classes by bytes per socket. */
  static String perSocketTable(String empty, String loaded, int sockets, long liveHeapGrowthBytes, int top) {
    List<Row> rows = growth(empty, loaded);
    long total = rows.stream().mapToLong(Row::bytes).sum();
    StringBuilder b = new StringBuilder();
    b.append(String.format("%d sockets: live heap growth %,d B per socket (GC.heap_info); histogram growth %,d B per socket%n",
        sockets, liveHeapGrowthBytes / sockets, total / sockets));
    b.append(String.format("%12s %12s  %s%n", "B/socket", "inst/socket", "class"));
    for (Row r : rows.subList(0, Math.min(top, rows.size()))) {
      b.append(String.format("%12.1f %12.2f  %s%n", (double) r.bytes / sockets, (double) r.instances / sockets, r.type));
    }
    return b.toString();
  }
}
