package io.socketpush.transport;

import io.socketpush.Await;
import io.socketpush.TestService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A test client of the channel protocol over SockJS, as sockjs-client speaks it: the framed WebSocket
 * transport, or xhr-polling driven by plain HTTP requests. Replies complete their request; publications and
 * presence events are queued; a close frame {@code c[code,"reason"]} completes {@link #closed()}.
 */
final class SockJsChannelClient {
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, Promise<JsonObject>> waiting = new ConcurrentHashMap<>();
  private final BlockingQueue<JsonObject> pushes = new LinkedBlockingQueue<>();
  private final Promise<Integer> closed = Promise.promise();
  private Consumer<String> sender;
  private String session;

  private SockJsChannelClient() {
  }

  /** Over {@code /sockjs/channels/<server>/<session>/websocket}. */
  static SockJsChannelClient webSocket(TestService service, String query) {
    SockJsChannelClient client = new SockJsChannelClient();
    WebSocket ws = Await.result(service.connect("/sockjs/channels/000/" + System.nanoTime() + "/websocket" + query), 10);
    ws.textMessageHandler(client::frame);
    ws.closeHandler(v -> client.closed.tryComplete(ws.closeStatusCode() == null ? 1006 : (int) ws.closeStatusCode()));
    client.sender = ws::writeTextMessage;
    return client;
  }

  /** Over xhr-polling: {@code POST .../xhr} polls (one always outstanding), {@code POST .../xhr_send} sends. */
  static SockJsChannelClient xhrPolling(HttpProbe probe, String query) {
    return xhrPolling(probe, query, Map.of());
  }

  /** Over xhr-polling, every request with these headers, as a browser sends its cookies with each. */
  static SockJsChannelClient xhrPolling(HttpProbe probe, String query, Map<String, String> headers) {
    SockJsChannelClient client = new SockJsChannelClient();
    String session = "/sockjs/channels/000/" + System.nanoTime();
    HttpProbe.Reply open = Await.result(probe.send(HttpMethod.POST, session + "/xhr" + query, headers, ""), 10);
    if (!open.body().equals("o\n")) {
      throw new AssertionError("no open frame: " + open.status() + " " + open.body());
    }
    client.sender = frame -> {
      HttpProbe.Reply sent = Await.result(probe.send(HttpMethod.POST, session + "/xhr_send" + query, headers, frame), 10);
      if (sent.status() != 204) {
        throw new AssertionError("xhr_send answered " + sent.status() + " " + sent.body());
      }
    };
    client.session = session;
    client.poll(probe, session + "/xhr" + query, headers);
    return client;
  }

  /** The path of the session, {@code /sockjs/channels/000/<id>}; null over a WebSocket. */
  String session() {
    return session;
  }

  private void poll(HttpProbe probe, String xhr, Map<String, String> headers) {
    probe.send(HttpMethod.POST, xhr, headers, "").onComplete(ar -> {
      if (ar.failed() || ar.result().status() != 200) {
        closed.tryComplete(1006);
        return;
      }
      ar.result().body().lines().forEach(this::frame);
      if (!closed.future().isComplete()) {
        poll(probe, xhr, headers);
      }
    });
  }

  private void frame(String frame) {
    if (frame.startsWith("a")) {
      for (Object text : new JsonArray(frame.substring(1))) {
        message(new JsonObject((String) text));
      }
    } else if (frame.startsWith("c")) {
      closed.tryComplete(new JsonArray(frame.substring(1)).getInteger(0));
    }
  }

  private void message(JsonObject message) {
    Promise<JsonObject> reply = message.getValue("id") instanceof Number n ? waiting.remove(n.longValue()) : null;
    if (reply != null) {
      reply.complete(message);
    } else {
      pushes.add(message);
    }
  }

  /** Sends one SockJS frame as it is (a JSON array of protocol messages). */
  void sendFrame(String frame) {
    sender.accept(frame);
  }

  /** Sends a request (an id is added) and waits for its reply. */
  JsonObject call(JsonObject request) {
    long id = ids.incrementAndGet();
    Promise<JsonObject> reply = Promise.promise();
    waiting.put(id, reply);
    sendFrame(new JsonArray().add(request.copy().put("id", id).encode()).encode());
    return Await.result(reply.future(), 10);
  }

  /** The next publication (presence events skipped), or null after the timeout. */
  JsonObject nextPublication(long timeoutMs) throws InterruptedException {
    long until = System.currentTimeMillis() + timeoutMs;
    for (long left = timeoutMs; left > 0; left = until - System.currentTimeMillis()) {
      JsonObject m = pushes.poll(left, TimeUnit.MILLISECONDS);
      if (m == null || m.containsKey("seq")) {
        return m;
      }
    }
    return null;
  }

  /** The close code, from the close frame or the WebSocket close. */
  Future<Integer> closed() {
    return closed.future();
  }
}
