package io.socketpush;

import java.util.function.BooleanSupplier;

/** For conditions nothing signals (another process's state, a count reached over HTTP): poll, bounded. */
public final class Await {
  private Await() {
  }

  public static void until(BooleanSupplier condition, long ms) throws InterruptedException {
    long deadline = System.currentTimeMillis() + ms;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("condition not met within " + ms + " ms");
      }
      Thread.sleep(100);
    }
  }

  /** The future's result, waited for from a test thread (never an event loop); fails the test after {@code seconds}. */
  public static <T> T result(io.vertx.core.Future<T> future, long seconds) {
    try {
      return future.await(seconds, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no result within " + seconds + " s");
    }
  }
}
