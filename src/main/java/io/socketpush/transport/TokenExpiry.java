package io.socketpush.transport;

import io.socketpush.security.HandshakePolicy;
import io.vertx.core.Vertx;

import java.time.InstantSource;
import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * Ends what a token holds open once the token expires, as a WebSocket is closed with 1008 within a second
 * of its {@code exp}: the SSE streams and SockJS sessions of one HTTP verticle instance. One timer a second
 * per instance looks at the earliest expiries only; a stream has no timer of its own.
 */
final class TokenExpiry {
  static final long CHECK_MS = 1000;

  /** One watched stream or session; {@link #cancel()} it when it closes, so nothing of it is kept until then. */
  static final class Watch {
    private final long atMs;
    private Runnable expire;

    private Watch(long atMs, Runnable expire) {
      this.atMs = atMs;
      this.expire = expire;
    }

    void cancel() {
      expire = null;
    }
  }

  private static final Watch NONE = new Watch(0, null);

  private final Vertx vertx;
  private final InstantSource clock;
  private final PriorityQueue<Watch> watches = new PriorityQueue<>(Comparator.comparingLong(w -> w.atMs));
  private long timer = -1;

  /** @param clock the node's clock, which the tokens' {@code exp} is compared with */
  TokenExpiry(Vertx vertx, InstantSource clock) {
    this.vertx = vertx;
    this.clock = clock;
  }

  void start() {
    timer = vertx.setPeriodic(CHECK_MS, t -> expire(clock.millis()));
  }

  void stop() {
    vertx.cancelTimer(timer);
  }

  /** Runs {@code expire} once the admission's token expires; nothing for an anonymous one or a token with no {@code exp}. */
  Watch watch(HandshakePolicy.Admission admission, Runnable expire) {
    if (admission.principal() == null || admission.principal().expiresAtMs() == 0) {
      return NONE;
    }
    Watch watch = new Watch(admission.principal().expiresAtMs(), expire);
    watches.add(watch);
    return watch;
  }

  private void expire(long nowMs) {
    while (!watches.isEmpty() && watches.peek().atMs <= nowMs) {
      Runnable expire = watches.poll().expire;
      if (expire != null) {
        expire.run();
      }
    }
  }
}
