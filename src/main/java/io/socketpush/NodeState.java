package io.socketpush;

import io.socketpush.push.PushStats;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the verticles of one node share: its counters and whether it is draining. Made once by
 * {@link SocketPush} and handed to each verticle; no static state.
 */
public final class NodeState {
  private final PushStats stats = new PushStats();
  private final AtomicBoolean draining = new AtomicBoolean();

  public PushStats stats() {
    return stats;
  }

  public boolean draining() {
    return draining.get();
  }

  /** Returns true the first time only. */
  boolean startDraining() {
    return draining.compareAndSet(false, true);
  }
}
