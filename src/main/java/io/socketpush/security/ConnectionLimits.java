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
  private final ConcurrentHashMap<String, AtomicInteger> perIp = new ConcurrentHashMap<>();
  private final TokenBucket newConnections;

  public ConnectionLimits(LimitsConfig config) {
    this.config = config;
    this.newConnections = config.newConnectionsPerSecond() > 0 ? new TokenBucket(config.newConnectionsPerSecond()) : null;
  }

  /** Whether another handshake may be looked at this second; fails with 429 if not. */
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
    AtomicInteger mine = perIp.computeIfAbsent(ip, k -> new AtomicInteger());
    if (config.maxConnectionsPerIp() > 0 && mine.incrementAndGet() > config.maxConnectionsPerIp()) {
      mine.decrementAndGet();
      total.decrementAndGet();
      throw new Refusal(429, "too many connections from this address");
    } else if (config.maxConnectionsPerIp() <= 0) {
      mine.incrementAndGet();
    }
  }

  public void release(String ip) {
    total.decrementAndGet();
    perIp.computeIfPresent(ip, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
  }

  public int open() {
    return total.get();
  }
}
