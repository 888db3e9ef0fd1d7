package io.socketpush.channel;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.socketpush.Await;
import io.socketpush.TestService;

import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test client of the {@code /ws} channel protocol: requests get ids and their replies complete
 * futures; everything else (publications, presence events, errors without an id) is queued. Every
 * message is also kept in arrival order, to check what came before what.
 */
public final class ProtocolClient {
  private final WebSocket ws;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, Promise<JsonObject>> waiting = new ConcurrentHashMap<>();
  private final BlockingQueue<JsonObject> pushes = new LinkedBlockingQueue<>();
  private final List<JsonObject> all = new CopyOnWriteArrayList<>();

  private ProtocolClient(WebSocket ws) {
    this.ws = ws;
    ws.textMessageHandler(text -> {
      JsonObject message = new JsonObject(text);
      all.add(message);
      Object id = message.getValue("id");
      Promise<JsonObject> promise = id instanceof Number n ? waiting.remove(n.longValue()) : null;
      if (promise != null) {
        promise.complete(message);
      } else {
        pushes.add(message);
      }
    });
  }

  public static ProtocolClient connect(Vertx vertx, int port, String pathAndQuery) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions());
    TestService.keepReachable(vertx, client);
    return new ProtocolClient(Await.result(client.connect(port, TestService.HOST, pathAndQuery), 10));
  }

  /** Connects with the options' headers (a session cookie, for example). */
  public static ProtocolClient connect(Vertx vertx, io.vertx.core.http.WebSocketConnectOptions options) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions());
    TestService.keepReachable(vertx, client);
    // handlers set as the socket opens, on its event loop: the subscriptions the application makes come at once
    return Await.result(client.connect(options).map(ProtocolClient::new), 10);
  }

  public WebSocket socket() {
    return ws;
  }

  /** Sends a request (an id is added) and completes with the whole reply. */
  public Future<JsonObject> request(JsonObject request) {
    long id = ids.incrementAndGet();
    Promise<JsonObject> reply = Promise.promise();
    waiting.put(id, reply);
    ws.writeTextMessage(request.copy().put("id", id).encode());
    return reply.future();
  }

  /** Sends a request and waits for its reply. */
  public JsonObject call(JsonObject request) {
    return Await.result(request(request), 10);
  }

  public JsonObject subscribe(String channel) {
    return call(new JsonObject().put("op", "subscribe").put("channel", channel));
  }

  public JsonObject publish(String channel, Object data) {
    return call(new JsonObject().put("op", "publish").put("channel", channel).put("data", data));
  }

  /** The next message that is not a reply, or null after the timeout. */
  public JsonObject next(long timeoutMs) throws InterruptedException {
    return pushes.poll(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /** The next publication (skipping presence events), or null after the timeout. */
  public JsonObject nextPublication(long timeoutMs) throws InterruptedException {
    long until = System.currentTimeMillis() + timeoutMs;
    for (long left = timeoutMs; left > 0; left = until - System.currentTimeMillis()) {
      JsonObject m = next(left);
      if (m == null) {
        return null;
      }
      if (m.containsKey("seq")) {
        return m;
      }
    }
    return null;
  }

  public List<JsonObject> all() {
    return all;
  }

  public void close() {
    Await.result(ws.close(), 5);
  }
}
