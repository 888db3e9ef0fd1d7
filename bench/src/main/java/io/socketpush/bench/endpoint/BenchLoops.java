package io.socketpush.bench.endpoint;

import io.socketpush.core.Hub;
import io.socketpush.core.Publication;
import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code /ws/bench} hubs of one node, one per event loop: how a broadcast that reaches the node
 * is handed to each loop, to be written there by the thread that owns the sockets. Shared by the
 * node's HTTP verticle instances (each adds its loop) and its {@link BenchBroadcastVerticle}.
 */
public final class BenchLoops {
  /** The hub channel every {@code /ws/bench} socket follows. */
  static final String CHANNEL = "bench";

  private final List<Loop> loops = new CopyOnWriteArrayList<>();

  /**
   * One event loop's bench sockets: {@code id} names it in a question's {@code except}; {@code sockets}
   * is kept by the loop and read by whoever hands it a broadcast.
   */
  record Loop(String id, Context context, Hub hub, AtomicInteger sockets) {
  }

  /** Adds the loop of {@code context}, whose bench sockets follow {@link #CHANNEL} in {@code hub}. */
  Loop add(Context context, Hub hub) {
    Loop loop = new Loop(UUID.randomUUID().toString(), context, hub, new AtomicInteger());
    loops.add(loop);
    return loop;
  }

  void remove(Loop loop) {
    loops.remove(loop);
  }

  /**
   * Hands the broadcast to every loop but {@code except} (null: all), to be written there by the
   * thread that owns the sockets, and returns how many bench sockets those loops hold: the sockets
   * it is sent to. It does not wait for the writes, as neither the single-node hand-off before it
   * nor the floor server does: waiting for the slowest loop measured up to twice the round trip.
   */
  int broadcast(JsonObject broadcast, String except) {
    int sent = 0;
    for (Loop loop : loops) {
      if (!loop.id().equals(except)) {
        sent += loop.sockets().get();
        // a Publication caches its encoding unsynchronised: one per loop
        loop.context().runOnContext(v -> loop.hub().publish(publication(broadcast)));
      }
    }
    return sent;
  }

  static Publication publication(JsonObject broadcast) {
    return new Publication(CHANNEL, broadcast, 0, System.currentTimeMillis());
  }
}
