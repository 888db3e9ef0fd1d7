package io.socketpush.security;

import io.socketpush.config.LimitsConfig;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sockets held by this instance, in all and per client address, and the rate of new ones. Shared by
 * the instance's event loops. A slot is taken at the handshake and given back when the socket closes.
 */
public final class ConnectionLimits {
  private final LimitsConfig config;
  private final AtomicInteger total = new AtomicInteger();
  /** Sockets per address; an address with none has no entry. Changed only inside compute, so atomically. */
  private final ConcurrentHashMap<String, Integer> perIp = new ConcurrentHashMap<>();
  private final TokenBucket newConnections;

  public ConnectionLimits(LimitsConfig config) {
    this.config = config;
    this.newConnections = config.newConnectionsPerSecond() > 0 ? new TokenBucket(config.newConnectionsPerSecond()) : null;
  }

  /**
   * Whether another handshake may be looked at this second; fails with 429 if not. Asked after
   * {@link #acquire}, so an address refused for its own sockets spends none of everyone's budget.
   */
  public void checkRate() {
    if (newConnections != null) {
      boolean allowed;
      synchronized (newConnections) {
        allowed = newConnections.tryTake();
      }
      if (!allowed) {
        throw new Refusal(429, "rate limited");
      }
    }
  }

  /** Takes a slot for a socket from {@code ip}; fails with 503 (instance full) or 429 (address full). */
  public void acquire(String ip) {
    if (config.maxConnections() > 0 && total.incrementAndGet() > config.maxConnections()) {
      total.decrementAndGet();
      throw new Refusal(503, "too many connections");
    } else if (config.maxConnections() <= 0) {
      total.incrementAndGet();
    }
    // Counted inside compute: a counter taken out of the map and incremented after a close on another
    // event loop had removed it would be lost, and the next socket from the address admitted over the limit.
    int limit = config.maxConnectionsPerIp();
    boolean[] admitted = {false};
    perIp.compute(ip, (k, n) -> {
      int held = n == null ? 0 : n;
      if (limit > 0 && held >= limit) {
        return n;
      }
      admitted[0] = true;
      return held + 1;
    });
    if (!admitted[0]) {
      total.decrementAndGet();
      throw new Refusal(429, "too many connections from this address");
    }
  }

  public void release(String ip) {
    total.decrementAndGet();
    perIp.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
  }

  public int open() {
    return total.get();
  }
}
