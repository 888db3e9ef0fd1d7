package io.socketpush.security;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plain HTTP connections of this node still waiting for a request's head or body, per client address
 * ({@code limits.pendingRequestsPerIp}): each holds an open file, and a slowloris opens them by the thousand.
 * Shared by the node's event loops; the count of an address is changed atomically, so two loops cannot
 * both take its last slot.
 */
public final class PendingRequests {
  private final int perIp;
  private final AtomicInteger total = new AtomicInteger();
  private final ConcurrentHashMap<String, Integer> byIp = new ConcurrentHashMap<>();

  /** @param perIp pending connections one address may hold; 0: no limit */
  public PendingRequests(int perIp) {
    this.perIp = perIp;
  }

  /** Takes a slot for a connection from {@code ip}; false if the address holds all of its slots already. */
  public boolean tryAcquire(String ip) {
    boolean[] taken = new boolean[1];
    byIp.compute(ip, (k, n) -> {
      int held = n == null ? 0 : n;
      if (perIp > 0 && held >= perIp) {
        return n;
      }
      taken[0] = true;
      return held + 1;
    });
    if (taken[0]) {
      total.incrementAndGet();
    }
    return taken[0];
  }

  public void release(String ip) {
    total.decrementAndGet();
    byIp.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
  }

  /** Pending connections of the node, all addresses. */
  public int total() {
    return total.get();
  }
}
