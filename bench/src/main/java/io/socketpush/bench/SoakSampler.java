package io.socketpush.bench;

import io.netty.channel.EventLoop;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.io.File;
import java.util.List;

/**
 * One soak sample: the server's live heap (after a full GC), RSS, open file descriptors and CPU; over the
 * interval since the previous sample, the ticks (delivered, missed, duplicated, latency) and the chat
 * (publications, deliveries, latency); the server's refusals so far. Keeps the run's totals.
 */
final class SoakSampler {
  static final String HISTOGRAMS = "target/bench/soak";
  private final ServerUnderTest server;
  private final int port;
  private final File log;
  private final LoadClient ticks;
  private final List<EventLoop> chatLoops;
  private final ChannelSink.Run chat;
  private final Histogram tickLatency = new Histogram(600_000_000L, 3);
  private final Histogram chatLatency = new Histogram(600_000_000L, 3);
  private long ticksDelivered;
  private long ticksMissed;
  private long ticksDups;
  private long ticksPublished;
  private long lastMs = System.currentTimeMillis();
  private long lastCpu;
  private long lastNanos;
  private ChannelSink.Loop lastChat = new ChannelSink.Loop();
  private JsonObject statsAtStart;

  SoakSampler(ServerUnderTest server, int port, File log, LoadClient ticks, List<Conn> chatConns, ChannelSink.Run chat) {
    this.server = server;
    this.port = port;
    this.log = log;
    this.ticks = ticks;
    this.chatLoops = SoakBench.loopsOf(chatConns);
    this.chat = chat;
    this.lastCpu = Proc.cpuNanos(server.pid);
    this.lastNanos = System.nanoTime();
  }

  JsonObject sample(int t, Hostile hostile) throws Exception {
    long nowMs = System.currentTimeMillis();
    Worker w = ticks.collect(true);
    ChannelSink.Loop c = chatSnapshot();
    long cpu = Proc.cpuNanos(server.pid);
    long nanos = System.nanoTime();
    JsonObject stats = ServerStats.read(port);
    if (statsAtStart == null) {
      statsAtStart = stats;
    }
    long rssRunning = Proc.rssKb(server.pid);
    int fds = SoakBench.fds(server.pid);
    String histogram = Proc.classHistogram(server.pid);
    long heap = Proc.histogramTotalKb(histogram);
    keep(t, histogram);
    // After the full GC G1 sizes the heap to the live data and gives the rest back (concurrently): RSS is then
    // comparable from sample to sample, where before it is whatever the young generation last grew to.
    Thread.sleep(1000);
    long rss = Proc.rssKb(server.pid);

    int published = Sinks.Fanout.published.subSet(lastMs, nowMs).size();
    lastMs = nowMs;
    ticksPublished += published;
    ticksDelivered += w.messages;
    ticksMissed += w.gaps;
    ticksDups += w.dups + w.backwards;
    tickLatency.add(w.latency);
    chatLatency.add(c.latency);
    JsonObject tickJson = new JsonObject().put("published", published).put("delivered", w.messages)
        .put("missed", w.gaps).put("dups", w.dups + w.backwards).put("latencyMs", SoakBench.latency(w.latency))
        .put("socketsDroppedSoFar", w.disconnects).put("socketsClosedByServerSoFar", w.closedByServer);
    JsonObject chatJson = new JsonObject().put("acknowledged", c.acked - lastChat.acked)
        .put("delivered", c.delivered - lastChat.delivered).put("expected", c.expected - lastChat.expected)
        .put("dups", c.dups - lastChat.dups).put("gaps", c.gaps - lastChat.gaps)
        .put("presenceEvents", c.presence - lastChat.presence)
        .put("publishErrors", c.publishErrorsAll - lastChat.publishErrorsAll)
        .put("latencyMs", SoakBench.latency(c.latency));
    lastChat = c;
    JsonObject refusals = ServerStats.delta(statsAtStart, stats);
    JsonObject s = new JsonObject().put("t", t).put("heapKb", heap).put("rssKb", rss).put("rssRunningKb", rssRunning)
        .put("fds", fds)
        .put("serverCpuPercent", Results.round(100.0 * (cpu - lastCpu) / Math.max(1, nanos - lastNanos), 1))
        .put("channelsHeld", ServerStats.number(stats, "channels.held"))
        .put("ticks", tickJson).put("chat", chatJson).put("hostileOpen", hostile.openNow())
        .put("refusedSoFar", new JsonObject()
            .put("socketsClosedByLimit", refusals.getJsonObject("socketsClosedByLimit", new JsonObject()))
            .put("socketsClosedByCode", refusals.getJsonObject("socketsClosedByCode", new JsonObject()))
            .put("httpRefused", refusals.getJsonObject("httpRefused", new JsonObject()))
            .put("handshakesRefused", refusals.getJsonObject("handshakesRefused", new JsonObject())))
        .put("load1", Proc.loadAverage().split(" ")[0]);
    if (log != null) {
      s.put("serverLogBytes", log.length());
    }
    lastCpu = cpu;
    lastNanos = nanos;
    return s;
  }

  /** The top of each sample's class histogram, for a heap that did not stay flat: target/bench/soak/t0060.txt. */
  private void keep(int t, String histogram) throws java.io.IOException {
    java.nio.file.Path dir = java.nio.file.Path.of(HISTOGRAMS);
    java.nio.file.Files.createDirectories(dir);
    String top = histogram.lines().limit(45).collect(java.util.stream.Collectors.joining("\n", "", "\n"));
    java.nio.file.Files.writeString(dir.resolve(String.format("t%04d.txt", t)), top);
  }

  JsonObject statsAtStart() {
    return statsAtStart;
  }

  JsonObject tickTotals() {
    return new JsonObject().put("published", ticksPublished).put("delivered", ticksDelivered).put("missed", ticksMissed)
        .put("dups", ticksDups).put("latencyMs", Results.percentiles(tickLatency, 1000.0, 50, 99, 99.9));
  }

  /** The whole run's chat, read after the publications stopped and drained. */
  JsonObject chatTotals() throws Exception {
    ChannelSink.Loop c = chatSnapshot();
    chatLatency.add(c.latency);
    return new JsonObject().put("published", c.sent).put("acknowledged", c.acked).put("expected", c.expected)
        .put("delivered", c.delivered).put("missing", c.expected - c.delivered).put("dups", c.dups)
        .put("outOfOrder", c.outOfOrder).put("gaps", c.gaps).put("presenceEvents", c.presence)
        .put("publishErrors", c.publishErrorsAll).put("firstPublishError", c.firstPublishError)
        .put("anomalyCount", chat.anomalyCount.get())
        .put("latencyMs", Results.percentiles(chatLatency, 1000.0, 50, 99, 99.9));
  }

  /** The chat loops' counters so far, summed on each loop; their latency histograms are taken and reset. */
  private ChannelSink.Loop chatSnapshot() throws Exception {
    ChannelSink.Loop sum = new ChannelSink.Loop();
    for (EventLoop loop : chatLoops) {
      loop.submit(() -> {
        ChannelSink.Loop l = chat.loop.get();
        synchronized (sum) {
          sum.add(l);
        }
        l.latency.reset();
        l.ack.reset();
      }).get();
    }
    return sum;
  }
}
