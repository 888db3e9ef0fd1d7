package io.socketpush.bench;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The blog post's question, measured: N clients want every tick (1 s period) for S seconds over polling every
 * second, long-polling, SSE, SockJS xhr-streaming and WebSocket ({@link TransportClients}). For each run: the
 * server's CPU per delivered update, the bytes per update (through its system calls, and on the wire with
 * TCP/IP headers), the latency p50/p99, requests per second, open connections, live heap and RSS per client,
 * and the client's own CPU, so a saturated client shows. {@code idle} is the server with no client, the
 * baseline taken off the CPU per update.
 *
 * <p>Each run starts its own server ({@link ServerUnderTest}: the fat jar as a child process, 2 event loops, log
 * level WARN so its I/O is its sockets, no per-address limit since the clients share a few addresses), warms up,
 * measures a window, and appends one JSON line to the results file. Run it with
 * {@code scripts/bench.sh transports [--clients 100,1000,5000] [--seconds 20] [--transports idle,poll,...]}.
 */
final class TransportBench {
  private static final Map<String, String> SERVER_ENV = Map.of("HTTP_INSTANCES", "2", "LOG_LEVEL", "WARN",
      "LIMITS_MAX_CONNECTIONS_PER_IP", "0");

  private final int seconds;
  private final long warmupMs;
  private final String heap;
  private final int clientLoops;
  private final Path results;
  private final String note;
  /** The idle server's CPU, taken off each run's: its ticker, sweeps, metrics and GC are no client's cost. */
  private Double idleCpuMsPerSecond;

  private TransportBench(Map<String, String> opts) throws IOException {
    this.seconds = Integer.parseInt(opts.getOrDefault("seconds", "20"));
    this.warmupMs = 1000L * Integer.parseInt(opts.getOrDefault("warmup", "10"));
    this.heap = opts.getOrDefault("heap", "512m");
    this.clientLoops = Integer.parseInt(opts.getOrDefault("client-loops", "2"));
    this.results = Path.of(opts.getOrDefault("results", "docs/bench/transports.jsonl"));
    this.note = opts.getOrDefault("note", "");
    this.idleCpuMsPerSecond = TransportReport.newestIdleCpuMsPerSecond(results);
  }

  static void main(Map<String, String> opts) throws Exception {
    TransportBench bench = new TransportBench(opts);
    List<String> transports = Arrays.asList(opts.getOrDefault("transports", "idle,poll,longpoll,sse,sockjs,websocket").split(","));
    if (transports.contains("idle")) {
      bench.emit(bench.run("idle", 0));
    }
    for (String n : opts.getOrDefault("clients", "100,1000,5000").split(",")) {
      for (String transport : transports) {
        if (!transport.equals("idle")) {
          bench.emit(bench.run(transport, Integer.parseInt(n)));
        }
      }
    }
    TransportReport.main(bench.results.toString(), opts.getOrDefault("out", "docs"));
  }

  /** A server that lost its port to another process between {@link #freePort} and its bind gets another one. */
  private JsonObject run(String transport, int n) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        return run(transport, n, freePort());
      } catch (IllegalStateException exited) {
        if (attempt == 3) {
          throw exited;
        }
        System.err.println("retrying " + transport + " " + n + " on another port: " + exited.getMessage());
      }
    }
  }

  private JsonObject run(String transport, int n, int port) throws Exception {
    File log = new File("target/bench/transports-" + transport + "-" + n + ".log");
    log.getParentFile().mkdirs();
    JsonObject out = new JsonObject().put("mode", "transports").put("transport", transport).put("clients", n)
        .put("date", Instant.now().toString()).put("commit", Proc.run("git", "rev-parse", "--short", "HEAD").trim())
        .put("cores", Runtime.getRuntime().availableProcessors()).put("loadavgBefore", Proc.loadAverage())
        .put("serverHeap", heap).put("clientEventLoops", clientLoops).put("warmupSeconds", warmupMs / 1000)
        .put("note", note);
    try (ServerUnderTest server = ServerUnderTest.start("ours", port, heap, 1000, null, log, SERVER_ENV)) {
      Thread.sleep(2000); // start-up's own garbage and compilation settle before the empty heap is taken
      long heap0 = Proc.liveHeapKb(server.pid);
      long rss0 = Proc.rssKb(server.pid);
      try (TransportClients clients = new TransportClients(port, clientLoops)) {
        if (!transport.equals("idle")) {
          clients.start(transport, n);
        }
        Thread.sleep(warmupMs);
        measure(server, clients, out);
        long heap1 = Proc.liveHeapKb(server.pid); // clients still connected
        long rss1 = Proc.rssKb(server.pid);
        out.put("liveHeapKb", new JsonObject().put("empty", heap0).put("loaded", heap1))
            .put("rssKb", new JsonObject().put("empty", rss0).put("loaded", rss1));
        if (n > 0) {
          out.put("heapBytesPerClient", (heap1 - heap0) * 1024 / n).put("rssBytesPerClient", (rss1 - rss0) * 1024 / n);
        }
      }
    }
    return out.put("loadavgAfter", Proc.loadAverage());
  }

  /** The window: CPU of both processes, the server's bytes, its sockets before and after, what the clients saw. */
  private void measure(ServerUnderTest server, TransportClients clients, JsonObject out) throws InterruptedException {
    long self = ProcessHandle.current().pid();
    ServerSockets sockets0 = ServerSockets.snapshot(server.port);
    Map<Long, Long> clientThreads0 = Proc.cpuByTid(self);
    long io0 = Proc.ioBytes(server.pid);
    long cpu0 = Proc.cpuNanos(server.pid);
    long clientCpu0 = Proc.cpuNanos(self);
    long t0 = System.nanoTime();
    clients.deliveries.measuring = true;
    Thread.sleep(seconds * 1000L);
    clients.deliveries.measuring = false;
    long wall = System.nanoTime() - t0;
    long cpu = Proc.cpuNanos(server.pid) - cpu0;
    long clientCpu = Proc.cpuNanos(self) - clientCpu0;
    long io = Proc.ioBytes(server.pid) - io0;
    Map<Long, Long> clientThreads1 = Proc.cpuByTid(self);
    ServerSockets sockets1 = ServerSockets.snapshot(server.port);
    long[] wire = sockets1.since(sockets0);

    Deliveries d = clients.deliveries;
    long updates = d.updates();
    double s = wall / 1e9;
    long busiest = clientThreads1.entrySet().stream()
        .mapToLong(e -> e.getValue() - clientThreads0.getOrDefault(e.getKey(), 0L)).max().orElse(0);
    out.put("seconds", round(s, 1)).put("openConnections", sockets1.open())
        .put("updates", updates).put("updatesPerClientPerSecond", round(updates / Math.max(1.0, out.getInteger("clients")) / s, 3))
        .put("requestsPerSecond", round(d.requests() / s, 1)).put("failures", d.failures()).put("firstFailure", d.firstFailure())
        .put("latencyMs", percentiles(d.latencyMs()))
        .put("serverCpuMs", cpu / 1_000_000).put("serverCpuPercent", round(100.0 * cpu / wall, 1))
        .put("serverCpuUsPerUpdate", perUpdate(cpu / 1e3, updates))
        .put("clientCpuMs", clientCpu / 1_000_000).put("clientCpuPercent", round(100.0 * clientCpu / wall, 1))
        .put("clientCpuUsPerUpdate", perUpdate(clientCpu / 1e3, updates))
        .put("clientBusiestThreadPercent", round(100.0 * busiest / wall, 1))
        .put("clientLoopLagMs", percentiles(d.loopLagMs()))
        .put("syscallBytes", io).put("syscallBytesPerUpdate", perUpdate(io, updates))
        .put("wireBytesPerUpdate", perUpdate(wire[0] + ServerSockets.TCP_IP_HEADER_BYTES * wire[1], updates))
        .put("segmentsPerUpdate", perUpdate(wire[1], updates))
        .put("connectionsOpenedOrClosedInWindow", sockets1.churn(sockets0));
    if (out.getString("transport").equals("idle")) {
      idleCpuMsPerSecond = cpu / 1e6 / s;
    }
    if (idleCpuMsPerSecond != null) {
      out.put("idleServerCpuMsPerSecond", round(idleCpuMsPerSecond, 2))
          .put("serverCpuUsPerUpdateNetOfIdle", perUpdate(cpu / 1e3 - idleCpuMsPerSecond * 1000 * s, updates));
    }
  }

  private static JsonObject percentiles(Histogram h) {
    return new JsonObject().put("count", h.getTotalCount()).put("p50", h.getValueAtPercentile(50))
        .put("p90", h.getValueAtPercentile(90)).put("p99", h.getValueAtPercentile(99)).put("max", h.getMaxValue());
  }

  private static Double perUpdate(double total, long updates) {
    return updates == 0 ? null : round(total / updates, 1);
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  /**
   * A free port below the ephemeral range (32768 up): a port from that range can be taken by any process's
   * outgoing connection, and other benchmarks on this machine open thousands of them.
   */
  private static int freePort() {
    for (int i = 0; i < 100; i++) {
      int port = 20_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(12_000);
      try (ServerSocket s = new ServerSocket(port)) {
        return s.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IllegalStateException("no free port in 20000-31999");
  }

  private void emit(JsonObject out) throws IOException {
    out.put("jvm", ManagementFactory.getRuntimeMXBean().getVmVersion());
    Files.createDirectories(results.toAbsolutePath().getParent());
    Files.writeString(results, out.encode() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    System.out.println(out.encode());
  }
}
