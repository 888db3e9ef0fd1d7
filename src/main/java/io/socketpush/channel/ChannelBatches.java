package io.socketpush.channel;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * When a batch of messages to other members leaves: after the batch window ({@code channels.batchMs}), or at
 * the end of the event loop's pass when it is 0. Every message between members costs a system call and a
 * wake-up on each side whatever it carries, so at thousands of publications a second a window of a millisecond
 * or two makes one message carry tens of them.
 */
final class ChannelBatches {
  private ChannelBatches() {
  }

  /** Runs {@code flush} on {@code context} once the window has passed. Called on that context. */
  static void later(Vertx vertx, Context context, int windowMs, Runnable flush) {
    if (windowMs <= 0) {
      context.runOnContext(v -> flush.run());
    } else {
      vertx.setTimer(windowMs, t -> flush.run()); // a timer set on a context fires on it
    }
  }
}
