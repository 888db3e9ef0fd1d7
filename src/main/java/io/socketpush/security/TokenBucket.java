package io.socketpush.security;

/**
 * {@code rate} permits per second, at most {@code rate} saved up (a burst of one second's worth).
 * Not thread-safe: give each thread its own, or synchronise around it.
 */
public final class TokenBucket {
  private final double rate;
  private double tokens;
  private long lastNanos;

  public TokenBucket(int rate) {
    this.rate = rate;
    this.tokens = rate;
    this.lastNanos = System.nanoTime();
  }

  public boolean tryTake() {
    long now = System.nanoTime();
    tokens = Math.min(rate, tokens + (now - lastNanos) * rate / 1e9);
    lastNanos = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
