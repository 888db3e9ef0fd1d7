package io.socketpush.bench;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The server a run measures, started as a child process so its PID is known (for /proc and jcmd) and
 * stopped after: {@code ours} is the fat jar with this module's jar beside it on the class path (which
 * adds {@code /ws/bench}), {@code floor} is {@link FloorServer}. Or an already running server given by
 * PID, which is neither started nor stopped.
 */
final class ServerUnderTest implements AutoCloseable {
  /** The product, as the README builds it; paths are relative to the repository's root, where scripts/bench.sh runs. */
  static final String PRODUCT_JAR = "target/socket-push.jar";
  /** This module's jar: its {@code META-INF/services} entry plugs {@code /ws/bench} into the node. */
  static final String BENCH_JAR = "bench/target/socket-push-bench.jar";
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
   * Starts {@code ours} or {@code floor} with the given heap. For ours, the two limits that exist
   * to refuse exactly what a load generator does are lifted: the handshake rate (the generator
   * connects faster than 5,000/s) and the echo rate per socket. Everything else keeps its default.
   */
  static ServerUnderTest start(String kind, int port, String heap, long tickMs, String jfrFile, File log)
      throws IOException, InterruptedException {
    return start(kind, port, heap, tickMs, jfrFile, log, Map.of());
  }

  /** As above, with more configuration through the environment (the server reads it). */
  static ServerUnderTest start(String kind, int port, String heap, long tickMs, String jfrFile, File log,
                               Map<String, String> moreEnv) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("java", "-Xmx" + heap));
    if (jfrFile != null) {
      cmd.add("-XX:StartFlightRecording=filename=" + jfrFile + ",settings=profile,dumponexit=true");
    }
    if (kind.equals("ours")) {
      cmd.addAll(MANIFEST_OPENS);
      cmd.addAll(List.of("-cp", PRODUCT_JAR + File.pathSeparator + BENCH_JAR, "io.socketpush.Main"));
    } else if (kind.equals("floor")) {
      cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), FloorServer.class.getName()));
    } else {
      throw new IllegalArgumentException("--server is ours or floor, not " + kind);
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log);
    Map<String, String> env = pb.environment();
    env.put("HTTP_PORT", String.valueOf(port));
    env.put("TICK_PERIOD_MS", String.valueOf(tickMs));
    env.put("LIMITS_NEW_CONNECTIONS_PER_SECOND", "0");
    env.put("LIMITS_ECHO_MESSAGES_PER_SECOND", "0");
    env.putAll(moreEnv);
    Process p = pb.start();
    ServerUnderTest s = new ServerUnderTest(kind, List.of(p.pid()), port, p);
    s.awaitPort(30_000);
    return s;
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
