package io.socketpush.bench;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the simulated clients of a transport run saw, counted only while {@link #measuring}: updates (a tick
 * a client had not seen), their latency (arrival minus the tick's {@code ts}, same clock), HTTP requests and
 * failures. Written from every client event loop at once, hence adders and a concurrent histogram.
 */
final class Deliveries {
  volatile boolean measuring;
  private final LongAdder updates = new LongAdder();
  private final LongAdder requests = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final ConcurrentHistogram latencyMs = new ConcurrentHistogram(3_600_000L, 3);
  private final ConcurrentHistogram loopLagMs = new ConcurrentHistogram(3_600_000L, 3);
  private volatile String firstFailure;

  void received(long ts) {
    if (measuring) {
      updates.increment();
      latencyMs.recordValue(Math.max(0, System.currentTimeMillis() - ts));
    }
  }

  /** How late a client event loop ran a timer: its own queueing, which would otherwise pass for the server's. */
  void loopLag(long ms) {
    if (measuring) {
      loopLagMs.recordValue(ms);
    }
  }

  Histogram loopLagMs() {
    return loopLagMs;
  }

  void sent() {
    if (measuring) {
      requests.increment();
    }
  }

  /** A refused request, a failed connect, a stream cut: counted always, so a warm-up full of 503s shows. */
  void failed(Object why) {
    failures.increment();
    if (firstFailure == null) {
      firstFailure = String.valueOf(why);
    }
  }

  long updates() {
    return updates.sum();
  }

  long requests() {
    return requests.sum();
  }

  long failures() {
    return failures.sum();
  }

  String firstFailure() {
    return firstFailure;
  }

  Histogram latencyMs() {
    return latencyMs;
  }

  /**
   * The tick timestamps in a text: every {@code "ts":N}, also JSON-escaped inside a SockJS array frame
   * ({@code \"ts\":N}), found without parsing the JSON: the client's cost is not the subject.
   */
  void receivedIn(String text, long[] lastSeen) {
    for (int i = indexOfTs(text, 0); i >= 0; i = indexOfTs(text, i)) {
      long ts = 0;
      while (i < text.length() && Character.isDigit(text.charAt(i))) {
        ts = ts * 10 + (text.charAt(i++) - '0');
      }
      if (ts > lastSeen[0]) { // a poll's 200 for a tick already seen is not an update
        lastSeen[0] = ts;
        received(ts);
      }
    }
  }

  /** The first ts in a text, or 0. */
  static long firstTs(String text) {
    int i = indexOfTs(text, 0);
    long ts = 0;
    while (i >= 0 && i < text.length() && Character.isDigit(text.charAt(i))) {
      ts = ts * 10 + (text.charAt(i++) - '0');
    }
    return ts;
  }

  /** The index just after the next {@code "ts":} or {@code \"ts\":} at or after from, or -1. */
  private static int indexOfTs(String str, int from) {
    for (int i = str.indexOf("ts", from); i > 0; i = str.indexOf("ts", i + 2)) {
      if (str.charAt(i - 1) != '"') {
        continue;
      }
      if (str.startsWith("\":", i + 2)) {
        return i + 4;
      }
      if (str.startsWith("\\\":", i + 2)) {
        return i + 5;
      }
    }
    return -1;
  }
}
