package io.socketpush.ws;

import io.socketpush.push.Hub;
import io.socketpush.push.Publication;
import io.socketpush.push.PushStats;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * {@code /ws/bench}: the Hashrocket websocket-shootout protocol, so the service can be measured with
 * the same load as other servers. {@code {"type":"echo","payload":P}} is answered with itself;
 * {@code {"type":"broadcast","payload":P}} goes to every {@code /ws/bench} socket of the node, then
 * the sender gets {@code {"type":"broadcastResult","payload":P,"listenerCount":N}}.
 *
 * <p>The sockets follow the {@code bench} channel of their event loop's hub. The sender's event loop
 * writes to its own sockets at once (so the sender sees the broadcast before its result) and hands
 * the message to the other event loops through the local address {@link #BROADCAST}. N is the
 * node's count of bench subscribers. Single node only: in a cluster a broadcast stays on its node.
 */
public final class BenchEndpoint implements Endpoint {
  /**
   * Local event-bus address between the event loops of one node. Body: the broadcast as a JSON
   * object {@code {"type":"broadcast","payload":P}}; header {@code origin}: the sending endpoint.
   */
  public static final String BROADCAST = "socket-push.bench.broadcast";
  static final String CHANNEL = "bench";

  private final Hub hub;
  private final PushStats stats;
  private final Vertx vertx;
  private final String origin = Integer.toHexString(System.identityHashCode(this));

  /** Registers this event loop's consumer of {@link #BROADCAST}: call it from the verticle's start. */
  public BenchEndpoint(Vertx vertx, Hub hub, PushStats stats) {
    this.vertx = vertx;
    this.hub = hub;
    this.stats = stats;
    vertx.eventBus().<JsonObject>localConsumer(BROADCAST, this::fromOtherLoop);
  }

  @Override
  public String name() {
    return "bench";
  }

  @Override
  public void opened(WsSession session) {
    hub.subscribe(CHANNEL, session);
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
      JsonObject broadcast = new JsonObject().put("type", "broadcast").put("payload", payload);
      hub.publish(new Publication(CHANNEL, broadcast, 0, System.currentTimeMillis()));
      vertx.eventBus().publish(BROADCAST, broadcast, new DeliveryOptions().addHeader("origin", origin));
      session.socket().writeTextMessage(new JsonObject().put("type", "broadcastResult").put("payload", payload)
          .put("listenerCount", stats.subscribers(CHANNEL)).encode());
    }
  }

  @Override
  public void closed(WsSession session) {
    hub.unsubscribe(CHANNEL, session);
  }

  private void fromOtherLoop(Message<JsonObject> message) {
    if (!origin.equals(message.headers().get("origin"))) {
      hub.publish(new Publication(CHANNEL, message.body(), 0, System.currentTimeMillis()));
    }
  }
}
