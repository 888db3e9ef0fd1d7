package io.socketpush.security;

import java.time.InstantSource;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link TokenBucket} per key (a client address, an API key), shared by the node's event loops. The map
 * holds only keys used in the last {@link #IDLE_MS}: a bucket idle that long is full again, so dropping it
 * changes nothing, and one sweep a second (by whichever thread comes first) keeps a flood of addresses from
 * growing the map beyond the addresses of the last two seconds.
 */
public final class RatePerKey {
  static final long IDLE_MS = 2_000;
  private static final long SWEEP_MS = 1_000;

  private final int rate;
  private final InstantSource clock;
  private final ConcurrentHashMap<String, Entry> buckets = new ConcurrentHashMap<>();
  private final AtomicLong lastSweepMs;

  /**
   * @param rate  permits per second per key, burst of one second's worth; 0: no limit
   * @param clock the node's clock
   */
  public RatePerKey(int rate, InstantSource clock) {
    this.rate = rate;
    this.clock = clock;
    this.lastSweepMs = new AtomicLong(clock.millis());
  }

  /** Takes a permit of {@code key}'s bucket; false if it has none left. */
  public boolean tryTake(String key) {
    if (rate <= 0) {
      return true;
    }
    long now = clock.millis();
    sweepIfDue(now);
    Entry entry = buckets.computeIfAbsent(key, k -> new Entry(new TokenBucket(rate, clock)));
    synchronized (entry) {
      entry.lastUsedMs = now;
      return entry.bucket.tryTake();
    }
  }

  /** Keys held now (for tests and metrics). */
  public int size() {
    return buckets.size();
  }

  private void sweepIfDue(long now) {
    long last = lastSweepMs.get();
    if (now - last >= SWEEP_MS && lastSweepMs.compareAndSet(last, now)) {
      buckets.values().removeIf(entry -> {
        synchronized (entry) {
          return now - entry.lastUsedMs >= IDLE_MS;
        }
      });
    }
  }

  private static final class Entry {
    private final TokenBucket bucket;
    private long lastUsedMs;

    Entry(TokenBucket bucket) {
      this.bucket = bucket;
    }
  }
}
