package io.socketpush.bench;

import org.HdrHistogram.Histogram;

/**
 * The counters and histograms of one client event loop: written only by that loop, so no locks and
 * no shared cache lines on the hot path. Read by {@link LoadClient#collect} on the loop itself.
 */
final class Worker {
  /** Latency or round trip, microseconds. */
  final Histogram latency = new Histogram(600_000_000L, 3);
  /** Connect to upgrade response, microseconds. */
  final Histogram connectMicros = new Histogram(600_000_000L, 3);
  long messages;
  long dups;
  long backwards;
  long gaps;
  long errors;
  long disconnects;
  long closedByServer;
  long ready;
  long other;
  /** pings the server sent, each answered with a pong */
  long pings;
  /** broadcastResult whose listenerCount was not the number of sockets connected */
  long badCounts;
  String firstError;

  void reset() {
    latency.reset();
    messages = 0;
    dups = 0;
    backwards = 0;
    gaps = 0;
    other = 0;
    pings = 0;
    badCounts = 0;
  }

  void add(Worker w) {
    latency.add(w.latency);
    connectMicros.add(w.connectMicros);
    messages += w.messages;
    dups += w.dups;
    backwards += w.backwards;
    gaps += w.gaps;
    errors += w.errors;
    disconnects += w.disconnects;
    closedByServer += w.closedByServer;
    ready += w.ready;
    other += w.other;
    pings += w.pings;
    badCounts += w.badCounts;
    if (firstError == null) {
      firstError = w.firstError;
    }
  }
}
