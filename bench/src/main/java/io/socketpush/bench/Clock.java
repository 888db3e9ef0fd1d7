package io.socketpush.bench;

/**
 * Wall-clock microseconds from {@code nanoTime}, anchored once on a millisecond edge of
 * {@code currentTimeMillis}: finer than milliseconds and cheap, and comparable with the server's
 * {@code ts} (epoch milliseconds). Over a run of minutes the drift between the two clocks is far
 * below a millisecond.
 */
final class Clock {
  private static final long BASE_MICROS;
  private static final long BASE_NANOS;

  static {
    long ms = System.currentTimeMillis();
    long next;
    while ((next = System.currentTimeMillis()) == ms) {
      Thread.onSpinWait();
    }
    BASE_NANOS = System.nanoTime();
    BASE_MICROS = next * 1000;
  }

  private Clock() {
  }

  static long nowMicros() {
    return BASE_MICROS + (System.nanoTime() - BASE_NANOS) / 1000;
  }
}
