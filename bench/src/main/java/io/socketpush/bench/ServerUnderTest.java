package io.socketpush.bench;

import io.vertx.core.json.JsonObject;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The server a run measures, started as a child process so its PID is known (for /proc and jcmd) and
 * stopped after: {@code ours} is the fat jar with this module's jar beside it on the class path (which
 * adds {@code /ws/bench}), {@code floor} is {@link FloorServer}, {@code node} is Node's {@code ws}
 * ({@value #NODE_SERVER}, started with {@code node --expose-gc}). Or an already running server given by
 * PID, which is neither started nor stopped.
 */
final class ServerUnderTest implements AutoCloseable {
  /** The product, as the README builds it; paths are relative to the repository's root, where scripts/bench.sh runs. */
  static final String PRODUCT_JAR = "target/socket-push.jar";
  /** This module's jar: its {@code META-INF/services} entry plugs {@code /ws/bench} into the node. */
  static final String BENCH_JAR = "bench/target/socket-push-bench.jar";
  /** Node's ws, the same jobs as the floor; its modules are installed by scripts/bench.sh (npm ci). */
  static final String NODE_SERVER = "bench/node/server.js";
  /**
   * What the fat jar's manifest asks for (Add-Opens, Add-Exports), which Java applies only to
   * {@code -jar}: given on the command line, so the server runs as {@code java -jar} runs it.
   */
  private static final List<String> MANIFEST_OPENS = List.of(
      "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED");

  final String kind;
  final long pid;
  /** Every process whose CPU a broadcast run counts: {@link #pid}, or all members of a cluster. */
  final List<Long> pids;
  final int port;
  private final Process process;

  private ServerUnderTest(String kind, List<Long> pids, int port, Process process) {
    this.kind = kind;
    this.pid = pids.get(0);
    this.pids = List.copyOf(pids);
    this.port = port;
    this.process = process;
  }

  static ServerUnderTest attach(List<Long> pids, int port) {
    return new ServerUnderTest("pid", pids, port, null);
  }

  /** utime + stime of all {@link #pids}, in nanoseconds. */
  long cpuNanos() {
    long sum = 0;
    for (long p : pids) {
      sum += Proc.cpuNanos(p);
    }
    return sum;
  }

  /**
   * How to start a server.
   *
   * @param heap      the JVM's {@code -Xmx} (ours, floor), or V8's {@code --max-old-space-size} (node)
   * @param jfrFile   a flight recording to write (ours, floor), or null
   * @param transport the server's network transport: {@code HTTP_TRANSPORT} for ours ({@code auto}, {@code epoll},
   *                  {@code io_uring}, {@code nio}), {@code FLOOR_TRANSPORT} for the floor; null for each one's
   *                  default; node has libuv's epoll only
   * @param jvmOptions more options for the server's JVM (a GC, its settings), before the class path
   * @param env       more configuration through the environment (the server reads it)
   */
  record Launch(String kind, int port, String heap, long tickMs, String jfrFile, String transport,
                List<String> jvmOptions, Map<String, String> env) {
  }

  /**
   * Starts {@code ours}, {@code floor} or {@code node} with the given heap. For ours, the two limits that
   * exist to refuse exactly what a load generator does are lifted: the handshake rate (the generator
   * connects faster than 5,000/s) and the echo rate per socket. Everything else keeps its default.
   */
  static ServerUnderTest start(String kind, int port, String heap, long tickMs, String jfrFile, File log)
      throws IOException, InterruptedException {
    return start(kind, port, heap, tickMs, jfrFile, log, Map.of());
  }

  /** As above, with more configuration through the environment (the server reads it). */
  static ServerUnderTest start(String kind, int port, String heap, long tickMs, String jfrFile, File log,
                               Map<String, String> moreEnv) throws IOException, InterruptedException {
    return start(new Launch(kind, port, heap, tickMs, jfrFile, null, List.of(), moreEnv), log);
  }

  static ServerUnderTest start(Launch launch, File log) throws IOException, InterruptedException {
    String kind = launch.kind();
    List<String> cmd = new ArrayList<>();
    if (kind.equals("node")) {
      cmd.addAll(List.of("node", "--expose-gc", "--max-old-space-size=" + megabytes(launch.heap())));
      cmd.addAll(launch.jvmOptions()); // node's own options here
      cmd.add(NODE_SERVER);
    } else {
      cmd.addAll(List.of("java", "-Xmx" + launch.heap()));
      if (launch.jfrFile() != null) {
        cmd.add("-XX:StartFlightRecording=filename=" + launch.jfrFile() + ",settings=profile,dumponexit=true");
      }
      cmd.addAll(launch.jvmOptions());
      if (kind.equals("ours")) {
        cmd.addAll(MANIFEST_OPENS);
        cmd.addAll(List.of("-cp", PRODUCT_JAR + File.pathSeparator + BENCH_JAR, "io.socketpush.Main"));
      } else if (kind.equals("floor")) {
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), FloorServer.class.getName()));
      } else {
        throw new IllegalArgumentException("--server is ours, floor or node, not " + kind);
      }
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log);
    Map<String, String> env = pb.environment();
    env.put("HTTP_PORT", String.valueOf(launch.port()));
    env.put("TICK_PERIOD_MS", String.valueOf(launch.tickMs()));
    env.put("LIMITS_NEW_CONNECTIONS_PER_SECOND", "0");
    env.put("LIMITS_ECHO_MESSAGES_PER_SECOND", "0");
    if (launch.transport() != null) {
      if (kind.equals("node")) {
        throw new IllegalArgumentException("--server-transport is for ours and floor: node runs on libuv (epoll)");
      }
      env.put(kind.equals("ours") ? "HTTP_TRANSPORT" : "FLOOR_TRANSPORT", launch.transport());
    }
    env.putAll(launch.env());
    Process p = pb.start();
    ServerUnderTest s = new ServerUnderTest(kind, List.of(p.pid()), launch.port(), p);
    s.awaitPort(30_000);
    return s;
  }

  /** HTTP/1.1 only: the JDK's client asks for an h2c upgrade otherwise, which the node server takes for a WebSocket. */
  private static HttpClient http() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  /** "2g", "512m", "1024k" or bytes, in whole MiB. */
  private static long megabytes(String size) {
    String s = size.trim().toLowerCase(java.util.Locale.ROOT);
    long n = Long.parseLong(s.replaceAll("[kmg]$", ""));
    return s.endsWith("g") ? n * 1024 : s.endsWith("m") ? n : s.endsWith("k") ? n / 1024 : n >> 20;
  }

  /**
   * Live heap in KiB after a full GC. A JVM: {@code jcmd GC.run}, then the used heap. Node: V8's
   * {@code heapUsed} after {@code gc()} (GET /heap of the node server), which leaves out Buffers' memory
   * outside V8's heap ({@link #nodeMemory} has it, as {@code external} and {@code arrayBuffers}).
   */
  long liveHeapKb() {
    if (!kind.equals("node")) {
      return Proc.liveHeapKb(pid);
    }
    JsonObject memory = nodeMemory();
    return memory == null ? -1 : memory.getLong("heapUsed") / 1024;
  }

  /** Node's {@code process.memoryUsage()} after a full GC, in bytes; null for any other server. */
  JsonObject nodeMemory() {
    if (!kind.equals("node")) {
      return null;
    }
    try {
      HttpResponse<String> r = http().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/heap")).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new JsonObject(r.body());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the node server's /heap", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The network transport the server runs on: for ours, what its {@code /api/stats} says ({@code transport});
   * for the floor, what it prints at start; node: libuv, which polls with epoll. Null if it cannot be told.
   */
  String transport(File log) {
    try {
      if (kind.equals("node")) {
        return "libuv-epoll";
      }
      if (kind.equals("floor")) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("transport=(\\S+)").matcher(Files.readString(log.toPath()));
        return m.find() ? m.group(1) : null;
      }
      HttpResponse<String> r = http().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/stats")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new JsonObject(r.body()).getString("transport");
    } catch (IOException | RuntimeException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private void awaitPort(long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < deadline) {
      if (process != null && !process.isAlive()) {
        throw new IllegalStateException(kind + " server exited with " + process.exitValue());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        Thread.sleep(500); // listening is not yet deployed: let the verticles finish starting
        return;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException(kind + " server did not listen on " + port + " within " + timeoutMs + " ms");
  }

  @Override
  public void close() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy(); // SIGTERM: ours drains (shutdown.graceMs), a JFR recording is dumped
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
  }
}
