package io.socketpush.security;

import java.time.InstantSource;

/**
 * {@code rate} permits per second, at most {@code rate} saved up (a burst of one second's worth).
 * Not thread-safe: give each thread its own, or synchronise around it.
 *
 * <p>Time comes from the node's clock in whole milliseconds: the fraction of a permit a millisecond earns
 * is kept, so nothing is lost to rounding; a clock set back earns nothing until it is past the last reading.
 */
public final class TokenBucket {
  private final double rate;
  private final InstantSource clock;
  private double tokens;
  private long lastMs;

  public TokenBucket(int rate, InstantSource clock) {
    this.rate = rate;
    this.clock = clock;
    this.tokens = rate;
    this.lastMs = clock.millis();
  }

  public boolean tryTake() {
    long now = clock.millis();
    if (now > lastMs) {
      tokens = Math.min(rate, tokens + (now - lastMs) * rate / 1e3);
      lastMs = now;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
