package io.socketpush.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Slows down password guessing at the admin console, per client address and for the whole node (all its event
 * loops share one): each failed login locks the address out for twice as long as the previous one (1 s, 2 s,
 * 4 s … up to a minute), and a login tried while locked is refused without looking at the password. A success
 * forgets the address. At most {@link #MAX_ADDRESSES} addresses are remembered, the least recently failed ones
 * forgotten first, so a flood of addresses cannot grow the map.
 */
public final class LoginThrottle {
  static final int MAX_ADDRESSES = 10_000;
  static final long FIRST_LOCK_MS = 1000;
  static final long LONGEST_LOCK_MS = 60_000;

  private record Failures(int count, long lockedUntilMs) {
  }

  /** Guarded by itself: touched once per login attempt, never on a hot path. */
  private final Map<String, Failures> failures = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Failures> eldest) {
      return size() > MAX_ADDRESSES;
    }
  };
  private final Counter wrong;
  private final Counter throttled;

  public LoginThrottle(MeterRegistry registry) {
    wrong = Counter.builder("socketpush.admin.logins.refused").tag("reason", "wrong password")
        .description("admin console logins refused, by reason").register(registry);
    throttled = Counter.builder("socketpush.admin.logins.refused").tag("reason", "throttled")
        .description("admin console logins refused, by reason").register(registry);
  }

  /** How long the address must still wait before it may try again: 0 when it may try now. */
  public long waitMs(String address, long nowMs) {
    Failures f;
    synchronized (failures) {
      f = failures.get(address);
    }
    long wait = f == null ? 0 : Math.max(0, f.lockedUntilMs() - nowMs);
    if (wait > 0) {
      throttled.increment();
    }
    return wait;
  }

  /** A wrong password from the address: locks it out for longer than last time; returns for how long. */
  public long failed(String address, long nowMs) {
    wrong.increment();
    synchronized (failures) {
      Failures before = failures.get(address);
      int count = before == null ? 1 : before.count() + 1;
      long lock = Math.min(LONGEST_LOCK_MS, FIRST_LOCK_MS << Math.min(count - 1, 16));
      failures.put(address, new Failures(count, nowMs + lock));
      return lock;
    }
  }

  public void succeeded(String address) {
    synchronized (failures) {
      failures.remove(address);
    }
  }
}
