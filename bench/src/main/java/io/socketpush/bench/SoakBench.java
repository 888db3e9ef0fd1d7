package io.socketpush.bench;

import io.netty.channel.EventLoop;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code soak}: mixed traffic against one instance for {@code --seconds}, and whether it stays flat.
 *
 * <pre>
 * scripts/bench.sh soak --sockets 19000 --seconds 600 [--rooms 100 --per-room 10 --interval-ms 2000]
 *                       [--churn-per-second 20] [--hostile 1] [--server ours | --server-pid PID --port P]
 * </pre>
 *
 * <p>The load, all at once: ticking sockets on {@code /ws/time}; chat rooms on {@code /ws} whose members each
 * publish every interval ({@link ChannelSink}); churn ({@link Churn}); and the hostile clients of issue #11
 * ({@link Hostile}), refused and replaced throughout. {@code --sockets} is every WebSocket the soak holds at
 * once (the server's {@code limits.maxConnections} is 19,000 by default): the chat members, the churn's
 * reserve and the hostile sockets are taken from it and the rest tick.
 *
 * <p>Every {@code --sample-seconds} (30) it records the server's live heap after a full GC, RSS, open file
 * descriptors, CPU, and over the interval just ended: tick latency (p50/p99) and ticks delivered, missed,
 * duplicated; chat publications, deliveries and their latency; the server's own counters. The verdict
 * compares the first sample at or after {@code --warmup} (60 s) with the last: flat when heap, RSS and file
 * descriptors are within 5 %. One JSON line per run, appended to {@code docs/bench/soak.jsonl}.
 *
 * <p>Started by the soak ({@code --server ours}), the server has its default limits: {@code scripts/bench.sh}'s
 * other modes lift the handshake rate and the echo rate, the soak puts the values of {@code conf/config.json}
 * back. No per-address limit needs lifting: the load's sockets come from 253 addresses (LoadClient), so each
 * address holds about 75 of 19,000, and the ramp is paced under {@code limits.newConnectionsPerSecond}.
 */
final class SoakBench {
  private static final double FLAT_PERCENT = 5.0;
  private final Map<String, String> opts;

  private SoakBench(Map<String, String> opts) {
    this.opts = opts;
  }

  static void run(Map<String, String> opts) throws Exception {
    new SoakBench(opts).run();
  }

  private String opt(String key, String def) {
    return opts.getOrDefault(key, def);
  }

  private int intOpt(String key, int def) {
    return Integer.parseInt(opt(key, String.valueOf(def)));
  }

  private void run() throws Exception {
    int sockets = intOpt("sockets", 1000);
    int seconds = intOpt("seconds", 600);
    int warmup = intOpt("warmup", 60);
    int every = intOpt("sample-seconds", 30);
    int rooms = intOpt("rooms", 100);
    int perRoom = intOpt("per-room", 10);
    long intervalMs = intOpt("interval-ms", 2000);
    int churnPerSecond = intOpt("churn-per-second", 20);
    long churnLifeMs = intOpt("churn-life-ms", 5000);
    int hostilePerKind = intOpt("hostile", 1);
    List<Hostile.Kind> kinds = Arrays.stream(opt("hostile-kinds", allKinds()).split(",")).map(String::trim)
        .filter(s -> !s.isEmpty()).map(Hostile.Kind::of).toList();
    int connectRate = intOpt("connect-rate", 2000);
    int port = intOpt("port", 18080);
    int chatSockets = rooms * perRoom;
    int churnReserve = churnPerSecond == 0 ? 0 : Churn.reserve(churnPerSecond, churnLifeMs);
    int hostileSockets = hostilePerKind * (int) kinds.stream().filter(Hostile.Kind::webSocket).count();
    int ticking = sockets - chatSockets - churnReserve - hostileSockets;
    if (ticking <= 0) {
      throw new IllegalArgumentException("--sockets " + sockets + " leaves no ticking socket: " + chatSockets
          + " chat members, " + churnReserve + " for churn, " + hostileSockets + " hostile");
    }
    String tag = Long.toString(System.currentTimeMillis() / 1000 % 1_000_000, 36);
    File log = null;
    ServerUnderTest server;
    JsonObject limits = defaultLimits();
    if (opts.containsKey("server-pid")) {
      server = ServerUnderTest.attach(List.of(Long.parseLong(opts.get("server-pid"))), port);
    } else {
      if (!opt("server", "ours").equals("ours")) {
        throw new IllegalArgumentException("soak runs against socket-push (--server ours, or --server-pid): it needs /ws and /api/stats");
      }
      log = new File("target/bench/" + opt("server", "ours") + "-soak.log");
      log.getParentFile().mkdirs();
      server = ServerUnderTest.start(opt("server", "ours"), port, opt("heap", "2g"), 1000, opts.get("jfr"), log,
          Map.of("LIMITS_NEW_CONNECTIONS_PER_SECOND", String.valueOf(limits.getInteger("newConnectionsPerSecond")),
              "LIMITS_ECHO_MESSAGES_PER_SECOND", String.valueOf(limits.getInteger("echoMessagesPerSecond"))));
    }
    if (connectRate >= limits.getInteger("newConnectionsPerSecond", Integer.MAX_VALUE)) {
      throw new IllegalArgumentException("--connect-rate must stay under limits.newConnectionsPerSecond");
    }
    JsonObject out = new JsonObject().put("mode", "soak").put("server", server.kind).put("date", Instant.now().toString())
        .put("cores", Runtime.getRuntime().availableProcessors()).put("loadavgBefore", Proc.loadAverage())
        .put("note", opt("note", "")).put("seconds", seconds).put("warmupSeconds", warmup).put("sampleSeconds", every)
        .put("load", new JsonObject().put("sockets", sockets).put("ticking", ticking).put("chatSockets", chatSockets)
            .put("rooms", rooms).put("perRoom", perRoom).put("intervalMs", intervalMs)
            .put("churnPerSecond", churnPerSecond).put("churnLifeMs", churnLifeMs).put("churnReserve", churnReserve)
            .put("hostilePerKind", hostilePerKind).put("hostileWebSockets", hostileSockets)
            .put("connectRate", connectRate))
        .put("serverLimits", server.kind.equals("pid") ? new JsonObject().put("unknown", "a running server: its own")
            : new JsonObject().put("defaults", limits).put("lifted", new JsonObject())
                .put("why", "none lifted: the load's sockets come from 253 client addresses (about "
                    + (sockets + 252) / 253 + " each, under limits.maxConnectionsPerIp), each hostile kind from its own,"
                    + " and the ramp is paced at " + connectRate + "/s, under limits.newConnectionsPerSecond"));
    LoadClient tickClient = new LoadClient(intOpt("threads", 2), "127.0.0.1", port, opts.get("transport"));
    LoadClient chatClient = new LoadClient(1, "127.0.0.1", port, opts.get("transport"));
    LoadClient churnClient = new LoadClient(1, "127.0.0.1", port, opts.get("transport"));
    ChannelSink.Run chat = new ChannelSink.Run("chat:soak" + tag + "-", rooms, perRoom, intervalMs);
    ChannelSink chatSink = new ChannelSink(chat, 0, 1, chatSockets);
    Churn churn = new Churn(churnClient, churnPerSecond, churnLifeMs, chat.channels);
    Hostile hostile = new Hostile(port, hostilePerKind == 0 ? List.of() : kinds, hostilePerKind, intOpt("slowloris-connections", 130), tag);
    try {
      JsonObject idle = new JsonObject().put("heapKb", Proc.histogramTotalKb(Proc.classHistogram(server.pid)))
          .put("rssKb", Proc.rssKb(server.pid)).put("fds", fds(server.pid));
      long ramp0 = System.nanoTime();
      List<Conn> tickConns = connectPaced(tickClient, ticking, "/ws/time", new Sinks.Fanout(1000), connectRate);
      List<Conn> chatConns = connectPaced(chatClient, chatSockets, "/ws", chatSink, connectRate);
      long deadline = System.currentTimeMillis() + 60_000;
      while (chat.subscribed.get() + chat.subscribeFailed.get() < chatConns.size() && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      out.put("idle", idle).put("ramp", new JsonObject().put("seconds", Results.round((System.nanoTime() - ramp0) / 1e9, 1))
          .put("ticking", tickConns.size()).put("tickingFailed", tickClient.failed()).put("chat", chatConns.size())
          .put("chatFailed", chatClient.failed()).put("subscribed", chat.subscribed.get())
          .put("subscribeFailed", chat.subscribeFailed.get()));
      System.err.println("soak: " + out.getJsonObject("ramp").encode());

      SoakSampler sampler = new SoakSampler(server, port, log, tickClient, chatConns, chat);
      chat.windowFrom = Clock.nowMicros();
      chat.publishing = true;
      synchronized (chatSink.all) {
        chatSink.all.stream().filter(m -> m.last >= 0).forEach(chatSink::startPublishing);
      }
      Sinks.measuring = true;
      churn.start();
      hostile.start();
      long t0 = System.currentTimeMillis();
      JsonArray samples = new JsonArray().add(sampler.sample(0, hostile));
      for (int k = 1; (long) k * every <= seconds; k++) {
        long wait = t0 + k * every * 1000L - System.currentTimeMillis();
        if (wait > 0) {
          Thread.sleep(wait);
        }
        JsonObject s = sampler.sample(k * every, hostile);
        samples.add(s);
        System.err.println("soak: " + progress(s));
      }
      hostile.close();
      churn.close();
      chat.publishing = false;
      synchronized (chatSink.all) {
        chatSink.all.forEach(chatSink::stopPublishing);
      }
      Thread.sleep(3000); // the last publications' deliveries
      JsonObject statsEnd = ServerStats.read(port);
      out.put("samples", samples).put("verdict", verdict(samples, warmup))
          .put("ticks", sampler.tickTotals()).put("chat", sampler.chatTotals())
          .put("churn", churn.toJson()).put("hostile", hostile.toJson())
          .put("serverCounters", ServerStats.counters(sampler.statsAtStart(), statsEnd))
          .put("histograms", SoakSampler.HISTOGRAMS)
          .put("serverLog", serverLog(log)).put("loadavgAfter", Proc.loadAverage());
      tickClient.closeAll(tickConns);
      chatClient.closeAll(chatConns);
      Results.emit(out, opt("results", "docs/bench/soak.jsonl"));
    } finally {
      hostile.close();
      churn.close();
      tickClient.close();
      chatClient.close();
      churnClient.close();
      server.close();
    }
  }

  private static String allKinds() {
    return String.join(",", Arrays.stream(Hostile.Kind.values()).map(k -> k.id).toList());
  }

  /** n sockets at most {@code perSecond} a second, in batches every 100 ms. */
  private static List<Conn> connectPaced(LoadClient client, int n, String path, Conn.Sink sink, int perSecond)
      throws InterruptedException {
    List<Conn> all = new ArrayList<>(n);
    int batch = Math.max(1, perSecond / 10);
    long start = System.nanoTime();
    for (int done = 0; done < n; ) {
      int k = Math.min(batch, n - done);
      all.addAll(client.connect(k, path, sink, k, 60_000));
      done += k;
      long ahead = start + done * 1_000_000_000L / perSecond - System.nanoTime();
      if (ahead > 0) {
        Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
      }
    }
    return all;
  }

  /** limits.* of conf/config.json, the defaults a test keeps in step with the code's. */
  private static JsonObject defaultLimits() throws IOException {
    return new JsonObject(Files.readString(Path.of("conf/config.json"))).getJsonObject("limits");
  }

  static int fds(long pid) {
    String[] list = new File("/proc/" + pid + "/fd").list();
    return list == null ? -1 : list.length;
  }

  /** Start (the first sample at or after the warm-up) against end (the last): heap, RSS, fds within 5 %; both p99s. */
  static JsonObject verdict(JsonArray samples, int warmup) {
    JsonObject start = null;
    for (int i = 0; i < samples.size() && start == null; i++) {
      if (samples.getJsonObject(i).getInteger("t") >= warmup) {
        start = samples.getJsonObject(i);
      }
    }
    JsonObject end = samples.getJsonObject(samples.size() - 1);
    if (start == null || start == end) {
      return new JsonObject().put("flat", (Boolean) null).put("why", "no sample after the warm-up to compare with the last");
    }
    JsonObject v = new JsonObject().put("startT", start.getInteger("t")).put("endT", end.getInteger("t"));
    boolean flat = true;
    for (String key : List.of("heapKb", "rssKb", "fds")) {
      long a = start.getLong(key);
      long b = end.getLong(key);
      double change = a <= 0 ? Double.NaN : 100.0 * (b - a) / a;
      flat &= Math.abs(change) <= FLAT_PERCENT;
      v.put(key, new JsonObject().put("start", a).put("end", b).put("changePercent", Results.round(change, 1)));
    }
    v.put("tickP99Ms", new JsonObject().put("start", start.getJsonObject("ticks").getJsonObject("latencyMs").getDouble("p99"))
        .put("end", end.getJsonObject("ticks").getJsonObject("latencyMs").getDouble("p99")));
    v.put("chatP99Ms", new JsonObject().put("start", start.getJsonObject("chat").getJsonObject("latencyMs").getDouble("p99"))
        .put("end", end.getJsonObject("chat").getJsonObject("latencyMs").getDouble("p99")));
    v.put("channelsHeld", new JsonObject().put("start", start.getLong("channelsHeld")).put("end", end.getLong("channelsHeld")));
    return v.put("flat", flat).put("flatMeans", "heap, RSS and fds at the end within " + FLAT_PERCENT + " % of the start");
  }

  private static String progress(JsonObject s) {
    JsonObject t = s.getJsonObject("ticks");
    JsonObject c = s.getJsonObject("chat");
    return "t=" + s.getInteger("t") + "s heap=" + s.getLong("heapKb") / 1024 + "MB rss=" + s.getLong("rssKb") / 1024
        + "MB fds=" + s.getLong("fds") + " channels=" + s.getLong("channelsHeld") + " cpu=" + s.getDouble("serverCpuPercent")
        + "% ticks p99=" + t.getJsonObject("latencyMs").getDouble("p99") + "ms delivered=" + t.getLong("delivered")
        + " missed=" + t.getLong("missed") + " dups=" + t.getLong("dups") + " chat p99=" + c.getJsonObject("latencyMs").getDouble("p99")
        + "ms delivered=" + c.getLong("delivered") + " hostile open=" + s.getInteger("hostileOpen") + " load=" + s.getString("load1");
  }

  private static JsonObject serverLog(File log) throws IOException {
    if (log == null) {
      return null;
    }
    List<String> lines = Files.readAllLines(log.toPath());
    return new JsonObject().put("bytes", log.length()).put("lines", lines.size())
        .put("errorLines", lines.stream().filter(l -> l.contains(" ERROR ")).count())
        .put("warnLines", lines.stream().filter(l -> l.contains(" WARN ")).count());
  }

  /** The distinct client event loops of some connections. */
  static List<EventLoop> loopsOf(List<Conn> conns) {
    return conns.stream().map(c -> c.ctx.channel().eventLoop()).distinct().toList();
  }

  static JsonObject latency(Histogram h) {
    return Results.percentiles(h, 1000.0, 50, 99);
  }
}
