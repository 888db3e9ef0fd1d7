package io.socketpush.bench;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.ConcurrentHistogram;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one kind of hostile client saw, from its side: attempts (connections, or requests for the HTTP
 * kinds), how each ended ("dropped by the server", "HTTP 429 error 111", ...), how long a refused
 * connection lived, and how many are open now. Written by the hostile threads, read by the sampler.
 */
final class Tally {
  final AtomicLong attempts = new AtomicLong();
  final AtomicInteger open = new AtomicInteger();
  private final Map<String, LongAdder> outcomes = new ConcurrentSkipListMap<>();
  /** Lifetime of each connection that ended, milliseconds (connection kinds only). */
  private final ConcurrentHistogram lifeMs = new ConcurrentHistogram(3_600_000L, 2);

  void outcome(String what) {
    outcomes.computeIfAbsent(what, k -> new LongAdder()).increment();
  }

  /** A connection that ended after {@code nanos}, with {@code what}. */
  void ended(String what, long nanos) {
    outcome(what);
    lifeMs.recordValue(Math.max(0, Math.min(3_600_000L, nanos / 1_000_000)));
  }

  long count(String what) {
    LongAdder n = outcomes.get(what);
    return n == null ? 0 : n.sum();
  }

  JsonObject toJson() {
    JsonObject o = new JsonObject();
    outcomes.forEach((k, v) -> o.put(k, v.sum()));
    JsonObject out = new JsonObject().put("attempts", attempts.get()).put("openNow", open.get()).put("outcomes", o);
    if (lifeMs.getTotalCount() > 0) {
      out.put("lifetimeSeconds", new JsonObject()
          .put("p50", Results.round(lifeMs.getValueAtPercentile(50) / 1000.0, 1))
          .put("max", Results.round(lifeMs.getMaxValue() / 1000.0, 1)));
    }
    return out;
  }
}
