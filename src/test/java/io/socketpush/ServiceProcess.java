package io.socketpush;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** The service as a real process (Main on the test classpath), for what only a process shows: signals, stdout. */
public final class ServiceProcess implements AutoCloseable {
  private final Process process;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final int port;
  private final Thread reader;

  private ServiceProcess(Process process, int port) {
    this.process = process;
    this.port = port;
    this.reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        out.lines().forEach(lines::add);
      } catch (IOException ignored) {
        // the process is gone
      }
    }, "service-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts Main on a free port with the given environment and waits until it listens. */
  public static ServiceProcess start(Map<String, String> env, String... args) throws Exception {
    return start(List.of(), env, args);
  }

  /** The same, with JVM options such as {@code -Xmx256m} before the main class. */
  public static ServiceProcess start(List<String> jvmOptions, Map<String, String> env, String... args) throws Exception {
    int port = freePort();
    List<String> command = new java.util.ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java"));
    // what the jar's manifest opens for Hazelcast (the test JVM has them from surefire's argLine)
    command.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(arg -> arg.startsWith("--add-opens") || arg.startsWith("--add-exports")).toList());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "--http.host=127.0.0.1"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    builder.environment().put("HTTP_PORT", String.valueOf(port));
    ServiceProcess service = new ServiceProcess(builder.start(), port);
    // a clustered member on a busy host may take a minute to join
    long deadline = System.currentTimeMillis() + 120_000;
    while (service.lines.stream().noneMatch(l -> l.contains("listening on"))) {
      if (System.currentTimeMillis() > deadline || !service.process.isAlive()) {
        service.close();
        throw new AssertionError("the service did not start:\n" + String.join("\n", service.lines));
      }
      Thread.sleep(50);
    }
    return service;
  }

  public int port() {
    return port;
  }

  public List<String> lines() {
    return lines;
  }

  public boolean alive() {
    return process.isAlive();
  }

  /**
   * Bytes of heap in use after a full collection, as an operator would read them: {@code jcmd} with
   * {@code GC.run} then {@code GC.heap_info}, in one attach. Every collector prints each part of its heap
   * on a line with "total …K, used …K" (G1 one, Serial and Parallel two); metaspace has no "total".
   */
  public long heapUsedAfterGc() throws Exception {
    java.nio.file.Path commands = java.nio.file.Files.createTempFile("jcmd", ".txt");
    try {
      java.nio.file.Files.writeString(commands, "GC.run\nGC.heap_info\n");
      long kb = 0;
      java.util.regex.Pattern used = java.util.regex.Pattern.compile("total \\d+K, used (\\d+)K");
      for (String line : run(jdkTool("jcmd"), String.valueOf(process.pid()), "-f", commands.toString()).split("\n")) {
        java.util.regex.Matcher m = used.matcher(line);
        if (m.find()) {
          kb += Long.parseLong(m.group(1));
        }
      }
      if (kb == 0) {
        throw new AssertionError("jcmd GC.heap_info printed no heap");
      }
      return kb * 1024;
    } finally {
      java.nio.file.Files.deleteIfExists(commands);
    }
  }

  private static String jdkTool(String name) {
    return System.getProperty("java.home") + "/bin/" + name;
  }

  private static String run(String... command) throws Exception {
    Process tool = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(tool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!tool.waitFor(30, TimeUnit.SECONDS) || tool.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed:\n" + out);
    }
    return out;
  }

  /**
   * SIGTERM, as Kubernetes or systemd would send. Through the process handle: {@link Process#destroy()}
   * also closes this side of the output pipe, so every line of the shutdown itself would be lost.
   */
  public void terminate() {
    process.toHandle().destroy();
  }

  /** Waits for the process to exit and for its last lines to be read. */
  public boolean waitFor(long ms) throws InterruptedException {
    long deadline = System.currentTimeMillis() + ms;
    if (!process.waitFor(ms, TimeUnit.MILLISECONDS)) {
      return false;
    }
    reader.join(Math.max(1, deadline - System.currentTimeMillis()));
    return !reader.isAlive();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
