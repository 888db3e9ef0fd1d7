package io.socketpush;

import io.micrometer.core.instrument.MeterRegistry;
import io.socketpush.push.PushStats;
import io.socketpush.security.HandshakePolicy;
import io.socketpush.ws.BenchLoops;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the verticles of one node share: its counters and whether it is draining. Made once by
 * {@link SocketPush} and handed to each verticle; no static state.
 */
public final class NodeState {
  private final PushStats stats;
  private final HandshakePolicy handshakes;
  private final BenchLoops benchLoops = new BenchLoops();
  private final AtomicBoolean draining = new AtomicBoolean();

  NodeState(MeterRegistry registry, HandshakePolicy handshakes) {
    this.stats = new PushStats(registry);
    this.handshakes = handshakes;
  }

  /** Origin, token and limit checks, shared by every HTTP verticle instance: the limits are per node. */
  public HandshakePolicy handshakes() {
    return handshakes;
  }

  /** The {@code /ws/bench} hub of each event loop, where a broadcast is handed to every loop (bench.enabled only). */
  public BenchLoops benchLoops() {
    return benchLoops;
  }

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
