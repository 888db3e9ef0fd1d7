package io.socketpush.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The load generator: {@code fanout}, {@code echo} and {@code broadcast} runs against socket-push
 * ({@code --server ours}), the bare-Netty floor ({@code --server floor}), Node's {@code ws}
 * ({@code --server node}) or a running server
 * ({@code --server-pid PID --port P}); {@code plot} draws the results; {@code transports} compares the
 * transports ({@link TransportBench}). Each run appends one JSON line to the results file and prints it. Run it with {@code scripts/bench.sh MODE [options]}.
 */
public final class Bench {
  private final Map<String, String> opts;
  private final long selfPid = ProcessHandle.current().pid();
  /** The started server's output, or null for a server given by PID. */
  private File serverLog;

  private Bench(Map<String, String> opts) {
    this.opts = opts;
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || args[0].startsWith("-")) {
      System.err.println("usage: bench.sh fanout|echo|broadcast|plot|transports|transports-plot [--server ours|floor|node] [--server-pid PID --port P]\n"
          + "  the server: [--server-transport auto|epoll|io_uring|nio (ours, floor)] [--server-opts 'JVM or node options']\n"
          + "    [--node-send frame|send (node: one pre-built frame written to each socket, or ws.send)]\n"
          + "  fanout, echo: [--warmup S (seconds of load before the measured window; fanout 10, echo 10)]\n"
          + "  fanout: [--histo FILE (ours, floor: jmap -histo:live empty and loaded, and the classes per socket)]\n"
          + "  transports: [--clients 100,1000,5000] [--seconds 20] [--warmup 10] [--transports idle,poll,longpoll,sse,sockjs,websocket]\n"
          + "    [--heap 512m] [--client-loops 2] [--results docs/bench/transports.jsonl] [--out docs]\n"
          + "  [--sockets N] [--seconds S] [--heap 2g] [--tick-ms 1000] [--threads 2] [--transport epoll|io_uring|nio] [--jfr FILE] [--histo FILE]\n"
          + "  broadcast: [--clients N | --step 1000 --initial 1000 --max 19000] [--concurrent 4] [--samples 40] [--limit-ms 500]\n"
          + "    [--ports P1,P2,P3 (clients spread over several members)] [--server-pid PID1,PID2,PID3 (CPU of all)]\n"
          + "  [--results docs/bench/results.jsonl] [--note TEXT]");
      System.exit(2);
    }
    Map<String, String> opts = new HashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    Bench bench = new Bench(opts);
    switch (args[0]) {
      case "fanout" -> bench.fanout();
      case "echo" -> bench.echo();
      case "broadcast" -> bench.broadcast();
      case "transports" -> TransportBench.main(opts);
      case "transports-plot" -> TransportReport.main(opts.getOrDefault("results", "docs/bench/transports.jsonl"),
          opts.getOrDefault("out", "docs"));
      case "channels" -> ChannelsBench.run(opts);
      case "channels-plot" -> ChannelsPlot.main(opts.getOrDefault("results", "docs/bench/channels.jsonl"),
          opts.getOrDefault("note", "knee"), opts.getOrDefault("out", "docs/channels-knee.png"));
      case "soak" -> SoakBench.run(opts);
      case "plot" -> Plot.main(opts.getOrDefault("results", "docs/bench/results.jsonl"), opts.getOrDefault("out", "docs"));
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
    System.exit(0);
  }

  private String opt(String key, String def) {
    return opts.getOrDefault(key, def);
  }

  private int intOpt(String key, int def) {
    return Integer.parseInt(opt(key, String.valueOf(def)));
  }

  private ServerUnderTest server(String mode) throws IOException, InterruptedException {
    int port = opts.containsKey("ports") ? ports(null)[0] : intOpt("port", 18080);
    if (opts.containsKey("server-pid")) {
      List<Long> pids = java.util.Arrays.stream(opts.get("server-pid").split(",")).map(String::trim).map(Long::parseLong).toList();
      if (pids.size() > 1 && !mode.equals("broadcast")) {
        throw new IllegalArgumentException("several --server-pid only in broadcast mode");
      }
      return ServerUnderTest.attach(pids, port);
    }
    serverLog = new File("target/bench/" + opt("server", "ours") + "-" + mode + ".log");
    serverLog.getParentFile().mkdirs();
    Map<String, String> env = opts.containsKey("node-send") ? Map.of("NODE_SEND", opts.get("node-send")) : Map.of();
    List<String> serverOpts = opts.containsKey("server-opts")
        ? java.util.Arrays.stream(opts.get("server-opts").trim().split("\\s+")).toList() : List.of();
    return ServerUnderTest.start(new ServerUnderTest.Launch(opt("server", "ours"), port, opt("heap", "2g"),
        intOpt("tick-ms", 1000), opts.get("jfr"), opts.get("server-transport"), serverOpts, env), serverLog);
  }

  /** {@code --ports P1,P2,...}: the ports the clients are spread over; else the server's one port. */
  private int[] ports(ServerUnderTest server) {
    return opts.containsKey("ports")
        ? java.util.Arrays.stream(opts.get("ports").split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray()
        : new int[] {server.port};
  }

  private JsonObject header(String mode, ServerUnderTest server, LoadClient client) {
    return new JsonObject().put("mode", mode).put("server", server.kind).put("date", Instant.now().toString())
        .put("serverTransport", serverLog == null ? null : server.transport(serverLog))
        .put("serverOpts", opts.get("server-opts")).put("serverHeap", opt("heap", "2g"))
        .put("cores", Runtime.getRuntime().availableProcessors()).put("loadavgBefore", Proc.loadAverage())
        .put("clientTransport", client.transport).put("clientThreads", intOpt("threads", 2))
        .put("note", opt("note", ""));
  }

  /**
   * N sockets on /ws/time: connect, a warm-up of ticks (the JIT compiles the fan-out of every server before
   * the window, not in it), then a window of ticks: latency, dups, gaps, CPU, memory.
   */
  private void fanout() throws Exception {
    int n = intOpt("sockets", 1000);
    int seconds = intOpt("seconds", 30);
    int warmup = intOpt("warmup", 10);
    long tickMs = intOpt("tick-ms", 1000);
    String histo = opts.get("histo");
    try (ServerUnderTest server = server("fanout");
         LoadClient client = new LoadClient(intOpt("threads", 2), "127.0.0.1", server.port, opts.get("transport"))) {
      JsonObject out = header("fanout", server, client).put("sockets", n).put("seconds", seconds)
          .put("warmupSeconds", warmup).put("tickMs", tickMs);
      JsonObject nodeMemory0 = server.nodeMemory();
      long heap0 = server.liveHeapKb();
      String histo0 = histo == null ? null : HeapHisto.take(server);
      long rss0 = Proc.rssKb(server.pid);
      long cpu0 = Proc.cpuNanos(server.pid);
      long t0 = System.nanoTime();
      List<Conn> conns = client.connect(n, "/ws/time", new Sinks.Fanout(tickMs), 1000, 120_000);
      long connectNanos = System.nanoTime() - t0;
      long connectCpu = Proc.cpuNanos(server.pid) - cpu0;
      out.put("connected", conns.size()).put("connectFailed", client.failed())
          .put("connectSeconds", round(connectNanos / 1e9, 2))
          .put("serverCpuUsPerConnect", round(connectCpu / 1e3 / Math.max(1, conns.size()), 1));
      awaitReady(client, conns.size(), 3 * tickMs + 5000);
      Thread.sleep(Math.max(tickMs, warmup * 1000L)); // warm-up; the post-connect garbage goes too
      Worker before = client.collect(true);
      out.put("handshakeMs", percentiles(before.connectMicros, 1000.0)).put("ready", before.ready);
      long from = System.currentTimeMillis();
      Window w = window(server, client, seconds);
      long ticks = Sinks.Fanout.published.subSet(from, System.currentTimeMillis()).size();
      out.put("ticksInWindow", ticks).put("ticksExpected", seconds * 1000L / tickMs)
          .put("messages", w.sum.messages).put("expected", ticks * conns.size())
          .put("dups", w.sum.dups).put("backwards", w.sum.backwards).put("gaps", w.sum.gaps)
          .put("errors", w.sum.errors).put("disconnects", w.sum.disconnects).put("closedByServer", w.sum.closedByServer)
          .put("firstError", w.sum.firstError).put("pingsAnswered", w.sum.pings)
          .put("latencyMs", percentiles(w.sum.latency, 1000.0))
          .put("serverCpuUsPerMsg", w.serverUsPer(w.sum.messages)).put("clientCpuUsPerMsg", w.clientUsPer(w.sum.messages))
          .put("serverCpuPercent", round(100.0 * w.serverCpu / w.wallNanos, 1))
          .put("clientCpuPercent", round(100.0 * w.clientCpu / w.wallNanos, 1))
          .put("serverCpuMsByThread", w.serverThreadsMs).put("clientCpuMsByThread", w.clientThreadsMs);
      long heap1 = server.liveHeapKb();
      JsonObject nodeMemory1 = server.nodeMemory();
      int c = Math.max(1, conns.size());
      if (histo0 != null) { // where the loaded heap goes, class by class, per socket
        String histo1 = HeapHisto.take(server);
        Files.writeString(Path.of(histo + ".empty"), histo0);
        Files.writeString(Path.of(histo), histo1);
        String table = HeapHisto.perSocketTable(histo0, histo1, c, (heap1 - heap0) * 1024, 30);
        Files.writeString(Path.of(histo + ".per-socket.txt"), table);
        System.err.print(table);
        out.put("histoPerSocket", HeapHisto.perSocket(histo0, histo1, c, 10));
      }
      long rss1 = Proc.rssKb(server.pid);
      if (nodeMemory0 != null) {
        out.put("nodeMemory", new JsonObject().put("empty", nodeMemory0).put("loaded", nodeMemory1));
      }
      out.put("liveHeapKb", new JsonObject().put("empty", heap0).put("loaded", heap1))
          .put("rssKb", new JsonObject().put("empty", rss0).put("loaded", rss1))
          .put("heapBytesPerSocket", (heap1 - heap0) * 1024 / c).put("rssBytesPerSocket", (rss1 - rss0) * 1024 / c)
          .put("loadavgAfter", Proc.loadAverage());
      client.closeAll(conns);
      emit(out);
    }
  }

  /** K sockets on /ws/echo, each with one 64-byte message in flight: round trips per second and RTT. */
  private void echo() throws Exception {
    int k = intOpt("sockets", 64);
    int seconds = intOpt("seconds", 20);
    int warmup = intOpt("warmup", 10);
    try (ServerUnderTest server = server("echo");
         LoadClient client = new LoadClient(intOpt("threads", 2), "127.0.0.1", server.port, opts.get("transport"))) {
      JsonObject out = header("echo", server, client).put("sockets", k).put("payloadBytes", Sinks.Echo.PAYLOAD)
          .put("seconds", seconds).put("warmupSeconds", warmup);
      List<Conn> conns = client.connect(k, "/ws/echo", new Sinks.Echo(), 64, 30_000);
      out.put("connected", conns.size());
      Thread.sleep(warmup * 1000L); // warm-up: JIT, buffers
      client.reset();
      Window w = window(server, client, seconds);
      out.put("roundTrips", w.sum.messages).put("roundTripsPerSecond", Math.round(w.sum.messages / (w.wallNanos / 1e9)))
          .put("rttUs", percentiles(w.sum.latency, 1.0)).put("errors", w.sum.errors).put("disconnects", w.sum.disconnects)
          .put("badEchoes", w.sum.other)
          .put("serverCpuUsPerRoundTrip", w.serverUsPer(w.sum.messages))
          .put("clientCpuUsPerRoundTrip", w.clientUsPer(w.sum.messages))
          .put("serverCpuPercent", round(100.0 * w.serverCpu / w.wallNanos, 1))
          .put("clientCpuPercent", round(100.0 * w.clientCpu / w.wallNanos, 1))
          .put("serverCpuMsByThread", w.serverThreadsMs).put("clientCpuMsByThread", w.clientThreadsMs)
          .put("loadavgAfter", Proc.loadAverage());
      client.closeAll(conns);
      emit(out);
    }
  }

  /**
   * The websocket-shootout broadcast benchmark: at each client count, {@code samples} broadcasts from
   * {@code concurrent} senders; RTT percentiles; steps up until p95 exceeds the limit.
   */
  private void broadcast() throws Exception {
    int concurrent = intOpt("concurrent", 4);
    int samples = intOpt("samples", 40);
    long limitMs = intOpt("limit-ms", 500);
    int initial = intOpt("clients", intOpt("initial", 1000));
    int step = opts.containsKey("clients") ? 0 : intOpt("step", 1000);
    int max = opts.containsKey("clients") ? initial : intOpt("max", 19000);
    long deadline = System.currentTimeMillis() + 1000L * intOpt("max-seconds", 170);
    try (ServerUnderTest server = server("broadcast");
         LoadClient client = new LoadClient(intOpt("threads", 2), "127.0.0.1", ports(server), opts.get("transport"))) {
      JsonObject out = header("broadcast", server, client).put("concurrent", concurrent).put("samples", samples)
          .put("limitMs", limitMs).put("ports", new JsonArray(java.util.Arrays.stream(ports(server)).boxed().toList()))
          .put("serverPids", new JsonArray(server.pids));
      Sinks.Broadcast sink = new Sinks.Broadcast();
      List<Conn> conns = new java.util.ArrayList<>();
      JsonArray steps = new JsonArray();
      int best = 0;
      for (int target = initial; target <= max && System.currentTimeMillis() < deadline; target += Math.max(step, 1)) {
        conns.addAll(client.connect(target - conns.size(), "/ws/bench", sink, 1000, 60_000));
        if (conns.size() < target) {
          steps.add(new JsonObject().put("clients", target).put("connected", conns.size()).put("failed", "connect"));
          break;
        }
        Conn[] senders = new Conn[concurrent];
        for (int i = 0; i < concurrent; i++) {
          // + i: with --ports, client j is on ports[j % n], so the senders land on different members
          senders[i] = conns.get(Math.min(conns.size() - 1, i * (conns.size() / concurrent) + i));
        }
        runSamples(sink, senders, Math.min(samples, 8), conns.size()); // warm-up, not counted
        client.reset();
        long cpu0 = server.cpuNanos();
        CountDownLatch done = sink.run(senders, samples, conns.size());
        boolean finished = done.await(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        Thread.sleep(200); // the last broadcasts reach the other event loop's sockets
        long serverCpu = server.cpuNanos() - cpu0;
        Worker sum = client.collect(true);
        JsonObject s = new JsonObject().put("clients", conns.size()).put("finished", finished)
            .put("rttMs", percentiles(sum.latency, 1000.0))
            .put("broadcastsReceived", sum.messages).put("expected", (long) samples * conns.size())
            .put("badListenerCounts", sum.badCounts).put("errors", sum.errors).put("disconnects", sum.disconnects)
            .put("serverCpuUsPerMsg", round(serverCpu / 1e3 / Math.max(1, sum.messages), 2));
        steps.add(s);
        System.err.println(s.encode());
        double p95 = sum.latency.getValueAtPercentile(95) / 1000.0;
        if (!finished || p95 > limitMs) {
          break;
        }
        best = conns.size();
      }
      out.put("steps", steps).put("largestClientsWithP95WithinLimit", best).put("loadavgAfter", Proc.loadAverage());
      client.closeAll(conns);
      emit(out);
    }
  }

  private static void runSamples(Sinks.Broadcast sink, Conn[] senders, int samples, int listeners)
      throws InterruptedException {
    sink.run(senders, samples, listeners).await(30, TimeUnit.SECONDS);
  }

  private static void awaitReady(LoadClient client, int n, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < deadline) {
      if (client.collect(false).ready >= n) {
        return;
      }
      Thread.sleep(100);
    }
  }

  /** A measured interval: counters reset at its start, collected at its end, CPU of both sides. */
  private record Window(Worker sum, long serverCpu, long clientCpu, long wallNanos, JsonObject serverThreadsMs,
                        JsonObject clientThreadsMs) {
    double serverUsPer(long n) {
      return round(serverCpu / 1e3 / Math.max(1, n), 2);
    }

    double clientUsPer(long n) {
      return round(clientCpu / 1e3 / Math.max(1, n), 2);
    }
  }

  private Window window(ServerUnderTest server, LoadClient client, int seconds) throws Exception {
    client.reset();
    Map<String, Long> st0 = Proc.cpuByThread(server.pid);
    Map<String, Long> ct0 = Proc.cpuByThread(selfPid);
    long s0 = Proc.cpuNanos(server.pid);
    long c0 = Proc.cpuNanos(selfPid);
    long t0 = System.nanoTime();
    Sinks.measuring = true;
    Thread.sleep(seconds * 1000L);
    Sinks.measuring = false;
    long wall = System.nanoTime() - t0;
    long s1 = Proc.cpuNanos(server.pid);
    long c1 = Proc.cpuNanos(selfPid);
    JsonObject serverThreads = Proc.cpuDeltaMs(st0, Proc.cpuByThread(server.pid));
    JsonObject clientThreads = Proc.cpuDeltaMs(ct0, Proc.cpuByThread(selfPid));
    Worker sum = client.collect(true);
    return new Window(sum, s1 - s0, c1 - c0, wall, serverThreads, clientThreads);
  }

  private static JsonObject percentiles(Histogram h, double unit) {
    return Results.percentiles(h, unit, 50, 90, 95, 99, 99.9);
  }

  private static double round(double v, int digits) {
    return Results.round(v, digits);
  }

  private void emit(JsonObject out) throws IOException {
    Results.emit(out, opt("results", "docs/bench/results.jsonl"));
  }

}
