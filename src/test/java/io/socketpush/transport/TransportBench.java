package io.socketpush.transport;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The blog post's question, measured: N clients want every tick for S seconds, over polling every second,
 * long-polling, SSE and WebSocket. What does one delivered update cost the server (CPU from /proc/PID/stat,
 * bytes through its sockets from /proc/PID/io), how late is it (p50, p99 of arrival minus ts), and how many
 * requests a second does it take?
 *
 * <pre>
 *   mvn -q -o -DskipTests test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/cp.txt
 *   java -cp target/test-classes:target/classes:$(cat target/cp.txt) io.socketpush.transport.TransportBench 100 20 poll longpoll sse websocket
 * </pre>
 *
 * The server runs as a child JVM (so its PID, CPU and I/O are its own), with 2 event loops, log level WARN
 * and no per-address limit; the clients share one Vert.x instance in this JVM on the same machine.
 */
public final class TransportBench {
  /** Long enough for the JIT to have compiled the hot path: its compiler threads are CPU of the process too. */
  private static final long WARMUP_MS = 10_000;

  private final Vertx vertx;
  private final int port;
  private final int clients;
  private volatile boolean measuring;
  private volatile boolean stopped;
  private final AtomicLong updates = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  private final long[] latencies = new long[4_000_000];
  private final AtomicLong latencyCount = new AtomicLong();

  private TransportBench(Vertx vertx, int port, int clients) {
    this.vertx = vertx;
    this.port = port;
    this.clients = clients;
  }

  public static void main(String[] args) throws Exception {
    int clients = Integer.parseInt(args[0]);
    int seconds = Integer.parseInt(args[1]);
    List<String> modes = Arrays.asList(args).subList(2, args.length);
    for (String mode : modes) {
      System.out.println(run(mode, clients, seconds));
    }
    System.exit(0);
  }

  private static String run(String mode, int clients, int seconds) throws Exception {
    int port = 20_000 + ThreadLocalRandom.current().nextInt(20_000);
    Process server = startServer(port);
    Vertx vertx = Vertx.vertx();
    try {
      TransportBench bench = new TransportBench(vertx, port, clients);
      bench.start(mode);
      Thread.sleep(WARMUP_MS);
      long pid = server.pid();
      long cpu0 = cpuMs(pid);
      long io0 = ioBytes(pid);
      bench.measuring = true;
      long t0 = System.nanoTime();
      Thread.sleep(seconds * 1000L);
      bench.measuring = false;
      bench.stopped = true;
      double took = (System.nanoTime() - t0) / 1e9;
      long cpu = cpuMs(pid) - cpu0;
      long io = ioBytes(pid) - io0;
      long n = bench.updates.get();
      long[] lat = Arrays.copyOf(bench.latencies, (int) Math.min(bench.latencyCount.get(), bench.latencies.length));
      Arrays.sort(lat);
      return String.format(Locale.ROOT,
          "{\"mode\":\"%s\",\"clients\":%d,\"seconds\":%.1f,\"updates\":%d,\"updatesPerClientPerSecond\":%.3f,"
              + "\"serverCpuMs\":%d,\"serverCpuUsPerUpdate\":%.1f,\"serverCpuPercent\":%.1f,\"bytesPerUpdate\":%.0f,"
              + "\"latencyP50Ms\":%d,\"latencyP99Ms\":%d,\"requestsPerSecond\":%.0f}",
          mode, clients, took, n, n / (double) clients / took, cpu, n == 0 ? 0 : cpu * 1000.0 / n, cpu / 10.0 / took,
          n == 0 ? 0 : io / (double) n, pct(lat, 50), pct(lat, 99), bench.requests.get() / took);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
      server.destroy();
      server.waitFor(15, TimeUnit.SECONDS);
    }
  }

  private static long pct(long[] sorted, int p) {
    return sorted.length == 0 ? -1 : sorted[Math.min(sorted.length - 1, (int) ((long) sorted.length * p / 100))];
  }

  private void start(String mode) {
    switch (mode) {
      case "poll" -> http(clients, this::poll);
      case "longpoll" -> http(clients, this::longPoll);
      case "sse" -> http(clients, this::sse);
      case "websocket" -> webSocket();
      case "idle" -> { } // the baseline: ticker, sweeps, metrics, GC of a server with no client
      default -> throw new IllegalArgumentException("mode: idle, poll, longpoll, sse or websocket");
    }
  }

  private void received(long ts) {
    if (measuring) {
      updates.incrementAndGet();
      long i = latencyCount.getAndIncrement();
      if (i < latencies.length) {
        latencies[(int) i] = System.currentTimeMillis() - ts;
      }
    }
  }

  private void sent() {
    if (measuring) {
      requests.incrementAndGet();
    }
  }

  private interface Client {
    void start(HttpClient http);
  }

  private void http(int n, Client client) {
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setDefaultPort(port)
        .setDefaultHost("127.0.0.1"), new PoolOptions().setHttp1MaxSize(n + 10).setMaxWaitQueueSize(-1));
    for (int i = 0; i < n; i++) {
      vertx.setTimer(1 + i * 1000L / n, t -> client.start(http)); // spread over a second, as real clients come
    }
  }

  /** Every second, GET /api/time with the last ETag: a 304 until the next tick. */
  private void poll(HttpClient http) {
    String[] etag = {null};
    long[] last = {0};
    vertx.setPeriodic(1000, t -> {
      if (stopped) {
        vertx.cancelTimer(t);
        return;
      }
      RequestOptions options = new RequestOptions().setURI("/api/time");
      if (etag[0] != null) {
        options.putHeader("If-None-Match", etag[0]);
      }
      sent();
      http.request(options).compose(req -> req.send()).compose(resp -> resp.body().map(body -> {
        if (resp.statusCode() == 200) {
          etag[0] = resp.getHeader("ETag");
          long ts = ts(body.toString());
          if (ts > last[0]) {
            last[0] = ts;
            received(ts);
          }
        }
        return body;
      }));
    });
  }

  private void longPoll(HttpClient http) {
    longPoll(http, 0);
  }

  private void longPoll(HttpClient http, long after) {
    if (stopped) {
      return;
    }
    sent();
    http.request(new RequestOptions().setURI("/api/time/next" + (after == 0 ? "" : "?after=" + after)))
        .compose(req -> req.send()).compose(resp -> resp.body().map(body -> resp.statusCode() == 200 ? ts(body.toString()) : after))
        .onComplete(ar -> {
          long next = ar.succeeded() ? ar.result() : after;
          if (ar.succeeded() && next > after && after != 0) {
            received(next);
          }
          if (ar.failed()) {
            vertx.setTimer(500, t -> longPoll(http, next));
          } else {
            longPoll(http, next);
          }
        });
  }

  private void sse(HttpClient http) {
    sent();
    http.request(new RequestOptions().setURI("/sse/time").setMethod(HttpMethod.GET)).compose(req -> req.send())
        .onSuccess(resp -> {
          StringBuilder pending = new StringBuilder();
          resp.handler(chunk -> {
            pending.append(chunk.toString());
            int end;
            while ((end = pending.indexOf("\n\n")) >= 0) {
              String event = pending.substring(0, end);
              pending.delete(0, end + 2);
              if (event.startsWith("id: ")) {
                received(Long.parseLong(event.substring(4, event.indexOf('\n'))));
              }
            }
          });
        });
  }

  private void webSocket() {
    WebSocketClient ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(clients + 10)
        .setDefaultPort(port).setDefaultHost("127.0.0.1"));
    for (int i = 0; i < clients; i++) {
      vertx.setTimer(1 + i * 1000L / clients, t -> ws.connect("/ws/time")
          .onSuccess(socket -> socket.textMessageHandler(text -> received(ts(text)))));
    }
  }

  /** The ts of a tick's JSON, without parsing it all: the client's cost is not the subject. */
  private static long ts(String json) {
    int i = json.indexOf("\"ts\":") + 5;
    int j = i;
    while (j < json.length() && Character.isDigit(json.charAt(j))) {
      j++;
    }
    return Long.parseLong(json.substring(i, j));
  }

  private static Process startServer(int port) throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(javaBin, "-Xmx512m", "-cp", System.getProperty("java.class.path"), "io.socketpush.Main")
        .redirectErrorStream(true).redirectOutput(Path.of("target", "transport-bench-server.log").toFile());
    Map<String, String> env = pb.environment();
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("HTTP_PORT", String.valueOf(port));
    env.put("HTTP_INSTANCES", "2");
    env.put("LOG_LEVEL", "WARN");
    env.put("LIMITS_MAX_CONNECTIONS_PER_IP", "0");
    Process p = pb.start();
    java.net.http.HttpClient probe = java.net.http.HttpClient.newHttpClient();
    for (int i = 0; i < 200; i++) {
      try {
        HttpResponse<Void> r = probe.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
            HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return p;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    p.destroyForcibly();
    throw new IllegalStateException("the server did not start: see target/transport-bench-server.log");
  }

  /** utime + stime of the whole process in milliseconds (USER_HZ is 100). */
  private static long cpuMs(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
  }

  /** Bytes the process read and wrote through system calls: with logging at WARN, its sockets. */
  private static long ioBytes(long pid) throws IOException {
    long total = 0;
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
      if (line.startsWith("rchar:") || line.startsWith("wchar:")) {
        total += Long.parseLong(line.substring(6).trim());
      }
    }
    return total;
  }
}
