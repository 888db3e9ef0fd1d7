package io.socketpush.security;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link TokenBucket} per key (a client address, an API key), shared by the node's event loops. The map
 * holds only keys used in the last {@link #IDLE_NANOS}: a bucket idle that long is full again, so dropping it
 * changes nothing, and one sweep a second (by whichever thread comes first) keeps a flood of addresses from
 * growing the map beyond the addresses of the last two seconds.
 */
public final class RatePerKey {
  static final long IDLE_NANOS = 2_000_000_000L;
  private static final long SWEEP_NANOS = 1_000_000_000L;

  private final int rate;
  private final ConcurrentHashMap<String, Entry> buckets = new ConcurrentHashMap<>();
  private final AtomicLong lastSweepNanos = new AtomicLong(System.nanoTime());

  /** @param rate permits per second per key, burst of one second's worth; 0: no limit */
  public RatePerKey(int rate) {
    this.rate = rate;
  }

  /** Takes a permit of {@code key}'s bucket; false if it has none left. */
  public boolean tryTake(String key) {
    if (rate <= 0) {
      return true;
    }
    long now = System.nanoTime();
    sweepIfDue(now);
    Entry entry = buckets.computeIfAbsent(key, k -> new Entry(new TokenBucket(rate)));
    synchronized (entry) {
      entry.lastUsedNanos = now;
      return entry.bucket.tryTake();
    }
  }

  /** Keys held now (for tests and metrics). */
  public int size() {
    return buckets.size();
  }

  private void sweepIfDue(long now) {
    long last = lastSweepNanos.get();
    if (now - last >= SWEEP_NANOS && lastSweepNanos.compareAndSet(last, now)) {
      buckets.values().removeIf(entry -> {
        synchronized (entry) {
          return now - entry.lastUsedNanos >= IDLE_NANOS;
        }
      });
    }
  }

  private static final class Entry {
    private final TokenBucket bucket;
    private long lastUsedNanos;

    Entry(TokenBucket bucket) {
      this.bucket = bucket;
    }
  }
}
