package io.socketpush.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What Linux and the JDK tools say about a process: CPU time, RSS, live heap. */
final class Proc {
  private static final Pattern USED = Pattern.compile("used (\\d+)K");
  private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");
  /** USER_HZ: /proc/PID/stat counts CPU time in 1/100 s on every Linux that matters. */
  private static final long TICK_NANOS = 10_000_000L;

  private Proc() {
  }

  /** utime + stime of the whole process (all threads), in nanoseconds, from /proc/PID/stat. */
  static long cpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // the command name may hold spaces and parentheses: fields are counted after the last ')'
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_NANOS; // fields 14 and 15
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/" + pid + "/stat", e);
    }
  }

  /** Resident set size in KiB, from VmRSS in /proc/PID/status. */
  static long rssKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/" + pid + "/status", e);
    }
    return -1;
  }

  /** Live heap in KiB: a full GC ({@code jcmd PID GC.run}), then the "used" of {@code GC.heap_info}. */
  static long liveHeapKb(long pid) {
    run("jcmd", String.valueOf(pid), "GC.run");
    Matcher m = USED.matcher(run("jcmd", String.valueOf(pid), "GC.heap_info"));
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /**
   * The live objects of a process, class by class: {@code jcmd PID GC.class_histogram}, which runs a full GC
   * and counts what survived it. Its {@code Total} ({@link #histogramTotalKb}) is the live heap as the GC
   * itself saw it; {@link #liveHeapKb} reads "used" in a second command, after whatever the process
   * allocated meanwhile, which a busy server makes tens of MB.
   */
  static String classHistogram(long pid) {
    return run("jcmd", String.valueOf(pid), "GC.class_histogram");
  }

  /** The bytes of a {@link #classHistogram}'s {@code Total} line, in KiB; −1 if there is none. */
  static long histogramTotalKb(String histogram) {
    Matcher m = HISTOGRAM_TOTAL.matcher(histogram);
    return m.find() ? Long.parseLong(m.group(1)) / 1024 : -1;
  }

  /** CPU nanoseconds per thread id: thread names are cut to 15 characters, which merges every event loop. */
  static java.util.Map<Long, Long> cpuByTid(long pid) {
    java.util.Map<Long, Long> out = new java.util.HashMap<>();
    eachThread(pid, (tid, comm, cpuNanos) -> out.put(tid, cpuNanos));
    return out;
  }

  /** What one thread of a process has used: its id, its name as the kernel keeps it, its CPU nanoseconds. */
  private interface ThreadCpu {
    void accept(long tid, String comm, long cpuNanos);
  }

  private static void eachThread(long pid, ThreadCpu each) {
    File[] tasks = new File("/proc/" + pid + "/task").listFiles();
    if (tasks == null) {
      return;
    }
    for (File t : tasks) {
      try {
        String stat = Files.readString(t.toPath().resolve("stat"));
        String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        each.accept(Long.parseLong(t.getName()), comm, (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_NANOS);
      } catch (IOException | RuntimeException gone) {
        // the thread ended between the listing and the read
      }
    }
  }

  /** Bytes the process read and wrote through system calls ({@code rchar + wchar} of /proc/PID/io). */
  static long ioBytes(long pid) {
    long total = 0;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
        if (line.startsWith("rchar:") || line.startsWith("wchar:")) {
          total += Long.parseLong(line.substring(6).trim());
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/" + pid + "/io", e);
    }
    return total;
  }

  /** CPU nanoseconds per thread name (comm, as the kernel truncates it), summed over same-named threads. */
  static java.util.Map<String, Long> cpuByThread(long pid) {
    java.util.Map<String, Long> out = new java.util.TreeMap<>();
    eachThread(pid, (tid, comm, cpuNanos) -> out.merge(comm, cpuNanos, Long::sum));
    return out;
  }

  /** after − before, in milliseconds, threads that used at least 10 ms. */
  static io.vertx.core.json.JsonObject cpuDeltaMs(java.util.Map<String, Long> before, java.util.Map<String, Long> after) {
    io.vertx.core.json.JsonObject out = new io.vertx.core.json.JsonObject();
    after.forEach((k, v) -> {
      long d = (v - before.getOrDefault(k, 0L)) / 1_000_000;
      if (d >= 10) {
        out.put(k, d);
      }
    });
    return out;
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "?";
    }
  }

  static String run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
