package io.socketpush.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code channels}: M rooms × N people on {@code /ws}, each person publishing one message every X ms
 * to their room, over one server or several members of a cluster (a room's people spread over them).
 * Measures delivery latency at every receiver (receipt − the send time the message carries), checks
 * every receiver's {@code seq} of every room (no duplicate, no gap), counts deliveries expected
 * (acknowledged publications × the room's subscribers) against received, and the servers' CPU per
 * delivered message. One JSON line per run, in {@code docs/bench/channels.jsonl}.
 *
 * <pre>
 * scripts/bench.sh channels --rooms 1000 --per-room 10 --interval-ms 10000 --seconds 60 --server ours
 * scripts/bench.sh channels ... --server-pid PID1,PID2,PID3 --port P1,P2,P3
 * </pre>
 *
 * <p>Timeline: connect and subscribe everyone (presence joins go out on {@code chat:*}), start the
 * publications at a random phase per socket, warm up, then a window of {@code --seconds}: a
 * publication is measured if it was <em>sent</em> in the window, wherever and whenever it arrives (the
 * publications go on for {@code --drain} seconds after, so the window ends in a steady state). Server
 * and client CPU are read from /proc at the window's two ends.
 */
final class ChannelsBench {
  private final Map<String, String> opts;

  private ChannelsBench(Map<String, String> opts) {
    this.opts = opts;
  }

  static void run(Map<String, String> opts) throws Exception {
    new ChannelsBench(opts).run();
  }

  private String opt(String key, String def) {
    return opts.getOrDefault(key, def);
  }

  private int intOpt(String key, int def) {
    return Integer.parseInt(opt(key, String.valueOf(def)));
  }

  private static long[] longs(String list) {
    return java.util.Arrays.stream(list.split(",")).mapToLong(s -> Long.parseLong(s.trim())).toArray();
  }

  private void run() throws Exception {
    int rooms = intOpt("rooms", 1000);
    int perRoom = intOpt("per-room", 10);
    long intervalMs = intOpt("interval-ms", 10_000);
    int seconds = intOpt("seconds", 60);
    int warmup = intOpt("warmup", (int) Math.max(15, 2 * intervalMs / 1000));
    int drain = intOpt("drain", 5);
    int threads = intOpt("threads", 2);
    String prefix = opt("prefix", "chat:");
    int total = rooms * perRoom;
    long[] ports = longs(opt("port", "18080"));
    ServerUnderTest started = null;
    long[] pids;
    if (opts.containsKey("server-pid")) {
      pids = longs(opts.get("server-pid"));
    } else {
      if (ports.length != 1) {
        throw new IllegalArgumentException("--server ours starts one server: give one --port, or --server-pid for several");
      }
      File log = new File("target/bench/" + opt("server", "ours") + "-channels.log");
      log.getParentFile().mkdirs();
      started = ServerUnderTest.start(opt("server", "ours"), (int) ports[0], opt("heap", "2g"), 1000, opts.get("jfr"), log);
      pids = new long[] {started.pid};
    }
    // a fresh set of rooms per run: a cluster keeps its channels' logs between runs
    String tag = Long.toString(System.currentTimeMillis() / 1000 % 1_000_000, 36);
    ChannelSink.Run run = new ChannelSink.Run(prefix + "b" + tag + "-", rooms, perRoom, intervalMs);
    List<LoadClient> clients = new ArrayList<>();
    List<ChannelSink> sinks = new ArrayList<>();
    try {
      int each = Math.max(1, threads / ports.length);
      for (int p = 0; p < ports.length; p++) {
        clients.add(new LoadClient(each, "127.0.0.1", (int) ports[p], opts.get("transport")));
        sinks.add(new ChannelSink(run, p, ports.length, ChannelSink.socketsFor(total, p, ports.length)));
      }
      JsonObject out = new JsonObject().put("mode", "channels").put("server", started != null ? started.kind : "pid")
          .put("date", Instant.now().toString()).put("cores", Runtime.getRuntime().availableProcessors())
          .put("loadavgBefore", Proc.loadAverage()).put("clientTransport", clients.get(0).transport)
          .put("clientThreads", each * ports.length).put("note", opt("note", ""))
          .put("ports", new JsonArray(java.util.Arrays.stream(ports).boxed().toList()))
          .put("serverPids", new JsonArray(java.util.Arrays.stream(pids).boxed().toList()))
          .put("rooms", rooms).put("perRoom", perRoom).put("intervalMs", intervalMs).put("channelPrefix", run.channels[0])
          .put("seconds", seconds).put("warmupSeconds", warmup).put("drainSeconds", drain)
          .put("publicationsPerSecondTarget", round(total * 1000.0 / intervalMs, 1))
          .put("deliveriesPerSecondTarget", round(total * 1000.0 / intervalMs * perRoom, 1));

      List<List<Conn>> conns = new ArrayList<>();
      long t0 = System.nanoTime();
      int connected = 0;
      int failed = 0;
      for (int p = 0; p < ports.length; p++) {
        List<Conn> c = clients.get(p).connect(ChannelSink.socketsFor(total, p, ports.length), "/ws", sinks.get(p),
            intOpt("in-flight", 1000), 120_000);
        conns.add(c);
        connected += c.size();
        failed += clients.get(p).failed();
      }
      long deadline = System.currentTimeMillis() + 60_000;
      while (run.subscribed.get() + run.subscribeFailed.get() < connected && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      int short_ = 0;
      for (int r = 0; r < rooms; r++) {
        if (run.subscribers.get(r) < perRoom) {
          short_++;
        }
      }
      out.put("connected", connected).put("connectFailed", failed).put("subscribed", run.subscribed.get())
          .put("subscribeFailed", run.subscribeFailed.get()).put("roomsNotFull", short_)
          .put("connectAndSubscribeSeconds", round((System.nanoTime() - t0) / 1e9, 2));

      Map<String, Double> metrics0 = metrics(ports);
      run.publishing = true;
      for (ChannelSink s : sinks) {
        synchronized (s.all) {
          s.all.stream().filter(m -> m.last >= 0).forEach(s::startPublishing); // subscribed: its room counts it
        }
      }
      Thread.sleep(warmup * 1000L);

      long from = Clock.nowMicros() + 200_000;
      long to = from + seconds * 1_000_000L;
      run.windowFrom = from;
      run.windowTo = to;
      sleepUntil(from);
      List<Map<Long, Long>> st0 = threadCpu(pids);
      long[] s0 = cpu(pids);
      long self = ProcessHandle.current().pid();
      Map<String, Long> ct0 = Proc.cpuByThread(self);
      long c0 = Proc.cpuNanos(self);
      sleepUntil(to);
      long[] s1 = cpu(pids);
      long c1 = Proc.cpuNanos(self);
      List<Map<Long, Long>> st1 = threadCpu(pids);
      JsonObject clientThreads = Proc.cpuDeltaMs(ct0, Proc.cpuByThread(self));
      JsonObject serverThreads = cpuByThreadKind(pids, st0, st1);
      Thread.sleep(drain * 1000L);
      run.publishing = false;
      for (ChannelSink s : sinks) {
        synchronized (s.all) {
          s.all.forEach(s::stopPublishing);
        }
      }
      Thread.sleep(2000); // the last replies and deliveries
      Worker conn = new Worker();
      for (LoadClient c : clients) {
        conn.add(c.collect(false)); // also a barrier on every loop: their counters are safe to read after it
      }
      ChannelSink.Loop sum = new ChannelSink.Loop();
      run.loops.forEach(sum::add);
      long behind = 0;
      int roomsBehind = 0;
      java.util.Set<Integer> behindRooms = new java.util.HashSet<>();
      for (ChannelSink s : sinks) {
        synchronized (s.all) {
          for (ChannelSink.Member m : s.all) {
            long top = run.acknowledgedTop.get(m.room);
            if (m.last >= 0 && m.last < top) {
              behind += top - m.last;
              behindRooms.add(m.room);
            }
          }
        }
      }
      roomsBehind = behindRooms.size();
      Map<String, Double> metrics1 = metrics(ports);

      long serverCpu = 0;
      JsonArray perMember = new JsonArray();
      for (int i = 0; i < pids.length; i++) {
        serverCpu += s1[i] - s0[i];
        perMember.add(round((s1[i] - s0[i]) / 1e6, 0));
      }
      long clientCpu = c1 - c0;
      double wall = (to - from) * 1000.0;
      long delivered = sum.delivered;
      out.put("published", sum.sent).put("acknowledged", sum.acked).put("publishErrors", sum.publishErrors)
          .put("publishErrorsAllRun", sum.publishErrorsAll).put("firstPublishError", sum.firstPublishError)
          .put("unanswered", sum.sent - sum.acked - sum.publishErrors)
          .put("publicationsPerSecond", round(sum.acked / (wall / 1e9), 1))
          .put("expected", sum.expected).put("delivered", delivered).put("missing", sum.expected - delivered)
          .put("deliveriesPerSecond", round(delivered / (wall / 1e9), 1))
          .put("dups", sum.dups).put("outOfOrder", sum.outOfOrder).put("gaps", sum.gaps).put("gapEvents", sum.gapEvents)
          .put("beforeSubscribeReply", sum.beforeSubscribeReply)
          .put("behindAtEnd", behind).put("roomsBehindAtEnd", roomsBehind)
          .put("deliveredAllRun", sum.deliveredAll).put("presenceEvents", sum.presence)
          .put("wrongChannel", sum.wrongChannel).put("otherFrames", sum.other)
          .put("latencyMs", percentiles(sum.latency, 1000.0)).put("publishReplyMs", percentiles(sum.ack, 1000.0))
          .put("serverCpuUsPerDelivery", round(serverCpu / 1e3 / Math.max(1, delivered), 2))
          .put("serverCpuUsPerPublication", round(serverCpu / 1e3 / Math.max(1, sum.acked), 2))
          .put("serverCpuPercent", round(100.0 * serverCpu / wall, 1)).put("serverCpuMsPerMember", perMember)
          .put("clientCpuUsPerDelivery", round(clientCpu / 1e3 / Math.max(1, delivered), 2))
          .put("clientCpuPercent", round(100.0 * clientCpu / wall, 1))
          .put("errors", conn.errors).put("disconnects", conn.disconnects).put("closedByServer", conn.closedByServer)
          .put("firstError", conn.firstError)
          .put("serverCounters", delta(metrics0, metrics1))
          .put("anomalies", new JsonArray(new ArrayList<>(run.anomalies))).put("anomalyCount", run.anomalyCount.get())
          .put("serverCpuMsByThread", serverThreads).put("clientCpuMsByThread", clientThreads)
          .put("loadavgAfter", Proc.loadAverage());
      for (int p = 0; p < clients.size(); p++) {
        clients.get(p).closeAll(conns.get(p));
      }
      emit(out);
    } finally {
      for (LoadClient c : clients) {
        c.close();
      }
      if (started != null) {
        started.close();
      }
    }
  }

  private static void sleepUntil(long clockMicros) throws InterruptedException {
    long wait = clockMicros - Clock.nowMicros();
    if (wait > 0) {
      Thread.sleep(wait / 1000, (int) (wait % 1000) * 1000);
    }
  }

  private static long[] cpu(long[] pids) {
    long[] out = new long[pids.length];
    for (int i = 0; i < pids.length; i++) {
      out[i] = Proc.cpuNanos(pids[i]);
    }
    return out;
  }

  /** CPU nanoseconds of every thread (by tid) of each server, from /proc/PID/task/TID/stat. */
  private static List<Map<Long, Long>> threadCpu(long[] pids) {
    List<Map<Long, Long>> out = new ArrayList<>();
    for (long pid : pids) {
      Map<Long, Long> byTid = new java.util.HashMap<>();
      File[] tasks = new File("/proc/" + pid + "/task").listFiles();
      for (File t : tasks == null ? new File[0] : tasks) {
        try {
          String stat = Files.readString(t.toPath().resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          byTid.put(Long.parseLong(t.getName()), (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L);
        } catch (IOException | RuntimeException gone) {
          // the thread ended between the listing and the read
        }
      }
      out.add(byTid);
    }
    return out;
  }

  /**
   * Milliseconds of CPU in the window per kind of thread, summed over the servers: the Java thread
   * names (from {@code jcmd Thread.print}, as /proc truncates them to 15 characters) without their
   * number and without Hazelcast's instance name, so three members' threads add up
   * ({@code hz.partition-operation.thread}, {@code vert.x-eventloop-thread}, {@code G1 Refine}, ...).
   */
  private static JsonObject cpuByThreadKind(long[] pids, List<Map<Long, Long>> before, List<Map<Long, Long>> after) {
    Map<String, Long> kinds = new TreeMap<>();
    for (int i = 0; i < pids.length; i++) {
      Map<Long, String> names = javaThreadNames(pids[i]);
      Map<Long, Long> b = before.get(i);
      after.get(i).forEach((tid, nanos) -> {
        String name = names.getOrDefault(tid, "(unnamed)").replaceFirst("^hz\\.[^.]+\\.", "hz.")
            .replaceFirst("[-#]?\\d+$", "");
        kinds.merge(name, nanos - b.getOrDefault(tid, 0L), Long::sum);
      });
    }
    JsonObject out = new JsonObject();
    kinds.forEach((k, v) -> {
      if (v >= 10_000_000L) {
        out.put(k, v / 1_000_000);
      }
    });
    return out;
  }

  /** Thread id (the nid of {@code jcmd PID Thread.print}) to Java thread name. */
  private static Map<Long, String> javaThreadNames(long pid) {
    Map<Long, String> out = new java.util.HashMap<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^\"(.*?)\".*? nid=0x([0-9a-f]+)")
        .matcher(Proc.run("jcmd", String.valueOf(pid), "Thread.print"));
    while (m.find()) {
      out.put(Long.parseLong(m.group(2), 16), m.group(1));
    }
    return out;
  }

  /**
   * The servers' channel counters from /metrics (summed over them): deliveries, gaps, skipped writes.
   * A plain HTTP/1.0 request (no chunks to undo) on a socket with timeouts (java.net.http's client once hung here for
   * minutes, past its request timeout).
   */
  private static Map<String, Double> metrics(long[] ports) {
    Map<String, Double> out = new TreeMap<>();
    for (long port : ports) {
      try (java.net.Socket socket = new java.net.Socket()) {
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", (int) port), 2000);
        socket.setSoTimeout(5000);
        socket.getOutputStream().write(("GET /metrics HTTP/1.0\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        String body = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        for (String line : body.split("\n")) {
          if (line.startsWith("socketpush_channels_") || line.startsWith("socketpush_ticks_skipped_slow")) {
            int space = line.lastIndexOf(' ');
            out.merge(line.substring(0, space), Double.parseDouble(line.substring(space + 1).trim()), Double::sum);
          }
        }
      } catch (IOException | RuntimeException e) {
        out.put("unreadable:" + port, 1.0);
      }
    }
    return out;
  }

  private static JsonObject delta(Map<String, Double> before, Map<String, Double> after) {
    JsonObject out = new JsonObject();
    after.forEach((k, v) -> out.put(k, Math.round(v - before.getOrDefault(k, 0.0))));
    return out;
  }

  private static JsonObject percentiles(Histogram h, double unit) {
    return Results.percentiles(h, unit, 50, 90, 99, 99.9);
  }

  private static double round(double v, int digits) {
    return Results.round(v, digits);
  }

  private void emit(JsonObject out) throws IOException {
    Results.emit(out, opt("results", "docs/bench/channels.jsonl"));
  }

}
