package io.socketpush.cluster;

import io.socketpush.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The clients of {@link PartitionIT}, one of each per member, never cut (see {@link LoopbackPartition}): what
 * each saw and was told is recorded with the time it happened, to be compared after the heal.
 */
final class PartitionClients {
  private PartitionClients() {
  }

  /** One tick as a socket got it: its {@code ts} and when it arrived. */
  record Tick(long ts, long atMs) {
  }

  /** Follows {@code /ws/time} and records every tick. */
  static final class TickRecorder {
    final int member;
    final List<Tick> ticks = new CopyOnWriteArrayList<>();
    final List<String> closes = new CopyOnWriteArrayList<>();
    private final WebSocket ws;

    TickRecorder(Vertx vertx, int member, String host, int port) throws Exception {
      this.member = member;
      WebSocketClient client = vertx.createWebSocketClient();
      ws = client.connect(port, host, "/ws/time").await(10, TimeUnit.SECONDS);
      ws.textMessageHandler(text -> ticks.add(new Tick(new JsonObject(text).getLong("ts"), System.currentTimeMillis())));
      ws.closeHandler(v -> closes.add(ws.closeStatusCode() + " " + ws.closeReason()));
    }

    void close() {
      ws.close();
    }
  }

  /** A publication made by a client: acknowledged with a seq, refused with a code, or neither (no reply). */
  static final class Op {
    final int member;
    final long n;
    final String channel;
    final long sentMs;
    volatile long seq = -1;
    volatile int code = -1;
    volatile long repliedMs;

    Op(int member, long n, String channel, long sentMs) {
      this.member = member;
      this.n = n;
      this.channel = channel;
      this.sentMs = sentMs;
    }

    boolean acked() {
      return seq >= 0;
    }

    String id() {
      return member + "/" + n;
    }
  }

  /** A publication as a subscriber got it. */
  record Received(String channel, long seq, String id, long atMs) {
  }

  /**
   * One {@code /ws} connection: subscribed to every channel of the run, publishing on them in turn at a
   * steady rate, recording every reply and every publication it receives.
   */
  static final class ChannelRecorder {
    final int member;
    final Map<String, String> epochs = new ConcurrentHashMap<>();
    final List<Op> ops = new CopyOnWriteArrayList<>();
    final List<Received> received = new CopyOnWriteArrayList<>();
    final List<String> closes = new CopyOnWriteArrayList<>();
    private final Vertx vertx;
    private final WebSocket ws;
    private final List<String> channels;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Promise<JsonObject>> replies = new ConcurrentHashMap<>();
    private final Map<Long, Op> publishing = new ConcurrentHashMap<>();
    private long timer = -1;

    ChannelRecorder(Vertx vertx, int member, String host, int port, List<String> channels) throws Exception {
      this.vertx = vertx;
      this.member = member;
      this.channels = channels;
      WebSocketClient client = vertx.createWebSocketClient();
      ws = client.connect(new WebSocketConnectOptions().setHost(host).setPort(port).setURI("/ws?name=m" + member))
          .await(10, TimeUnit.SECONDS);
      ws.textMessageHandler(this::onMessage);
      ws.closeHandler(v -> closes.add(ws.closeStatusCode() + " " + ws.closeReason()));
      for (String channel : channels) {
        JsonObject reply = request(new JsonObject().put("op", "subscribe").put("channel", channel)).await(20, TimeUnit.SECONDS);
        if (reply.containsKey("error")) {
          throw new AssertionError("member " + member + ": subscribe to " + channel + " refused: " + reply.encode());
        }
        epochs.put(channel, reply.getJsonObject("result").getString("epoch"));
      }
    }

    /** Publishes every {@code periodMs}, on the channels in turn. */
    void startPublishing(long periodMs) {
      timer = vertx.setPeriodic(periodMs, t -> publishNext());
    }

    void stopPublishing() {
      vertx.cancelTimer(timer);
    }

    /** Publications sent that have no reply yet. */
    int unanswered() {
      return publishing.size();
    }

    private void publishNext() {
      long n = ops.size();
      String channel = channels.get((int) (n % channels.size()));
      Op op = new Op(member, n, channel, System.currentTimeMillis());
      ops.add(op);
      long id = ids.incrementAndGet();
      publishing.put(id, op);
      ws.writeTextMessage(new JsonObject().put("id", id).put("op", "publish").put("channel", channel)
          .put("data", new JsonObject().put("id", op.id())).encode());
    }

    private Future<JsonObject> request(JsonObject request) {
      long id = ids.incrementAndGet();
      Promise<JsonObject> reply = Promise.promise();
      replies.put(id, reply);
      ws.writeTextMessage(request.copy().put("id", id).encode());
      return reply.future();
    }

    private void onMessage(String text) {
      JsonObject message = new JsonObject(text);
      long now = System.currentTimeMillis();
      Object id = message.getValue("id");
      if (id instanceof Number number) {
        Op op = publishing.remove(number.longValue());
        if (op != null) {
          op.repliedMs = now;
          if (message.containsKey("result")) {
            op.seq = message.getJsonObject("result").getLong("seq");
          } else {
            op.code = message.getJsonObject("error").getInteger("code");
          }
          return;
        }
        Promise<JsonObject> reply = replies.remove(number.longValue());
        if (reply != null) {
          reply.complete(message);
        }
        return;
      }
      if (message.containsKey("seq") && message.getValue("data") instanceof JsonObject data) {
        received.add(new Received(message.getString("channel"), message.getLong("seq"), data.getString("id"), now));
      }
    }

    void close() {
      ws.close();
    }
  }

  /** A channel's whole history as one member serves it: the epoch, the last seq, and every kept entry's id by seq. */
  record History(String channel, String epoch, long top, Map<Long, String> ids) {
  }

  /**
   * Reads a channel's history through a new {@code /ws} connection: a subscribe asking for the last
   * {@code recent} publications, which follow the reply.
   */
  static History readHistory(Vertx vertx, String host, int port, String channel, int recent) throws Exception {
    WebSocketClient client = vertx.createWebSocketClient();
    WebSocket ws = client.connect(port, host, "/ws?name=reader").await(10, TimeUnit.SECONDS);
    try {
      Promise<JsonObject> reply = Promise.promise();
      List<JsonObject> pushed = new CopyOnWriteArrayList<>();
      ws.textMessageHandler(text -> {
        JsonObject m = new JsonObject(text);
        if (m.containsKey("id")) {
          reply.tryComplete(m);
        } else if (m.containsKey("seq")) {
          pushed.add(m);
        }
      });
      ws.writeTextMessage(new JsonObject().put("id", 1).put("op", "subscribe").put("channel", channel).put("recent", recent).encode());
      JsonObject answer = reply.future().await(20, TimeUnit.SECONDS);
      JsonObject result = answer.getJsonObject("result");
      if (result == null) {
        throw new AssertionError("history of " + channel + " on " + host + " refused: " + answer.encode());
      }
      int count = result.getInteger("recent", 0);
      Await.until(() -> pushed.size() >= count, 20_000); // they follow the reply
      Map<Long, String> ids = new java.util.TreeMap<>();
      List<JsonObject> publications = new ArrayList<>(pushed);
      for (JsonObject p : publications.subList(0, count)) {
        Object data = p.getValue("data");
        ids.put(p.getLong("seq"), data instanceof JsonObject o ? o.getString("id") : String.valueOf(data));
      }
      return new History(channel, result.getString("epoch"), result.getLong("seq"), ids);
    } finally {
      ws.close();
    }
  }

  static JsonArray rules() {
    return new JsonArray()
        .add(new JsonObject().put("pattern", "time").put("subscribe", "anyone").put("publish", "nobody").put("historySize", 0))
        .add(new JsonObject().put("pattern", "partition:*").put("subscribe", "anyone").put("publish", "anyone")
            .put("historySize", 10_000).put("historyTtlMs", 3_600_000).put("presence", false));
  }
}
