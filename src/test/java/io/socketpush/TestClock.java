package io.socketpush;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node's clock that a test moves forward instead of sleeping: the system clock plus however far the test
 * has moved it. Time keeps flowing, as Vert.x timers (which fire on real time) expect; {@link #advance} makes
 * a TTL, a token's expiry or the next tick boundary come now. Thread-safe: the node reads it on its event
 * loops while the test moves it. One instance per test, handed to {@link TestService#start(io.vertx.core.Vertx,
 * io.vertx.core.json.JsonObject, InstantSource)}.
 */
public final class TestClock implements InstantSource {
  private final AtomicLong offsetMs = new AtomicLong();

  /** The system clock, until a test moves it. */
  public TestClock() {
  }

  /**
   * A clock that reads just past a multiple of {@code periodMs}: with ticks of that period, the next one comes
   * only when the test moves the clock (or after a whole period of real time).
   */
  public static TestClock justPast(long periodMs) {
    TestClock clock = new TestClock();
    clock.advanceToNext(periodMs);
    return clock;
  }

  /** Moves the clock forward (never back: the node's times only grow). */
  public TestClock advance(Duration by) {
    if (by.isNegative()) {
      throw new IllegalArgumentException("a clock only moves forward: " + by);
    }
    offsetMs.addAndGet(by.toMillis());
    return this;
  }

  /**
   * Moves the clock to the next multiple of {@code periodMs} (a tick's boundary): the ticker publishes that
   * tick the next time it looks at the clock. Returns the boundary.
   */
  public long advanceToNext(long periodMs) {
    while (true) {
      long offset = offsetMs.get();
      long now = System.currentTimeMillis() + offset;
      long boundary = now - now % periodMs + periodMs;
      if (offsetMs.compareAndSet(offset, offset + boundary - now)) {
        return boundary;
      }
    }
  }

  @Override
  public long millis() {
    return System.currentTimeMillis() + offsetMs.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }
}
