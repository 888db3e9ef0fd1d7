package io.socketpush.bench.endpoint;

import io.socketpush.cluster.ClusterNodes;
import io.socketpush.core.Hub;
import io.socketpush.wire.CloseCodes;
import io.socketpush.ws.Endpoint;
import io.socketpush.ws.WsSession;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * {@code /ws/bench}: the Hashrocket websocket-shootout protocol, so the service can be measured with
 * the same load as other servers. {@code {"type":"echo","payload":P}} is answered with itself;
 * {@code {"type":"broadcast","payload":P}} goes to every {@code /ws/bench} socket of every member of
 * the cluster, then the sender gets {@code {"type":"broadcastResult","payload":P,"listenerCount":N}},
 * N the sockets it was sent to on all members.
 *
 * <p>The sockets follow the {@code bench} channel of their event loop's hub. The sender's event loop
 * asks every member once ({@link BenchBroadcastVerticle#ADDRESS}, answered by each member's
 * {@link BenchBroadcastVerticle}) to hand the broadcast to its loops, all but the sender's loop, which
 * writes to its own sockets meanwhile; the result, with the sum of the answers, goes out once every
 * member has answered. As on a single node before, and as the floor server does, N counts the
 * sockets the broadcast was written or handed to for writing: the result does not wait for other
 * loops' writes.
 */
public final class BenchEndpoint implements Endpoint {
  /**
   * How long the sender waits for a member's answer. A member that has left is skipped at once (its
   * consumer is gone); this bounds a hung one. Generous, because a member left out makes N too small
   * and an overloaded one (a long GC pause, a starved event loop) may well answer late.
   */
  static final long ASK_TIMEOUT_MS = 10_000;

  private final Hub hub;
  private final BenchLoops loops;
  private final BenchLoops.Loop loop;
  private final ClusterNodes nodes;

  /** Adds this event loop to the node's bench loops: call it from the verticle's start, and {@link #stop()} from its stop. */
  public BenchEndpoint(Context context, Hub hub, BenchLoops loops) {
    this.hub = hub;
    this.loops = loops;
    this.loop = loops.add(context, hub);
    this.nodes = new ClusterNodes(context.owner());
  }

  public void stop() {
    loops.remove(loop);
  }

  @Override
  public String name() {
    return "bench";
  }

  @Override
  public void opened(WsSession session) {
    hub.subscribe(BenchLoops.CHANNEL, session);
    loop.sockets().incrementAndGet();
  }

  @Override
  public void frame(WsSession session, WebSocketFrame frame) {
    if (!frame.isText() || !frame.isFinal()) {
      return; // the protocol's messages are single text frames
    }
    JsonObject message;
    try {
      message = new JsonObject(frame.textData());
    } catch (DecodeException e) {
      session.close(CloseCodes.INVALID_PAYLOAD, "not a JSON object");
      return;
    }
    Object payload = message.getValue("payload");
    String type = message.getString("type", "");
    if (type.equals("echo")) {
      session.socket().writeTextMessage(new JsonObject().put("type", "echo").put("payload", payload).encode());
    } else if (type.equals("broadcast")) {
      broadcast(session, payload);
    }
  }

  private void broadcast(WsSession sender, Object payload) {
    JsonObject broadcast = new JsonObject().put("type", "broadcast").put("payload", payload);
    JsonObject question = new JsonObject().put("broadcast", broadcast).put("except", loop.id());
    // asked first, so the other loops and members write while this one does; the answers come back
    // on this event loop (the request was made from it), and the result is written after the writes
    // below in any case: the sender sees the broadcast before its result
    Future<List<JsonObject>> answers = nodes.askAll(BenchBroadcastVerticle.ADDRESS, question, ASK_TIMEOUT_MS);
    int here = hub.publish(BenchLoops.publication(broadcast));
    answers.onSuccess(all -> {
      if (!sender.socket().isClosed()) {
        sender.socket().writeTextMessage(new JsonObject().put("type", "broadcastResult").put("payload", payload)
            .put("listenerCount", here + sent(all)).encode());
      }
    });
  }

  private static long sent(List<JsonObject> answers) {
    long sent = 0;
    for (JsonObject answer : answers) {
      sent += answer.getLong("sent", 0L);
    }
    return sent;
  }

  @Override
  public void closed(WsSession session) {
    hub.unsubscribe(BenchLoops.CHANNEL, session);
    loop.sockets().decrementAndGet();
  }
}
