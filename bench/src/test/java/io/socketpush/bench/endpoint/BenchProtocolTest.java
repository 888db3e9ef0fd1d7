package io.socketpush.bench.endpoint;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /ws/bench}, plugged in by {@link BenchExtension}, speaks the Hashrocket websocket-shootout protocol. */
@ExtendWith(VertxExtension.class)
class BenchProtocolTest {
  private BenchNode node;

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) {
    BenchNode.start(vertx, vertx, new JsonObject()).onComplete(ctx.succeeding(n -> {
      node = n;
      ctx.completeNow();
    }));
  }

  @Test
  void answersEchoWithTheSamePayload(VertxTestContext ctx) {
    JsonObject payload = new JsonObject().put("sendTime", 1795636872927L).put("n", "测试");
    node.connectBench().onComplete(ctx.succeeding(ws -> {
      ws.textMessageHandler(text -> ctx.verify(() -> {
        assertEquals(new JsonObject().put("type", "echo").put("payload", payload), new JsonObject(text));
        ctx.completeNow();
      }));
      ws.writeTextMessage(new JsonObject().put("type", "echo").put("payload", payload).encode());
    }));
  }

  @Test
  void broadcastReachesEverySocketOnBothEventLoopsThenTheSenderGetsTheCount(VertxTestContext ctx) {
    int sockets = 6; // the node runs 2 event loops: the sockets land on both
    JsonObject payload = new JsonObject().put("sendTime", 42);
    JsonObject broadcast = new JsonObject().put("type", "broadcast").put("payload", payload);
    Checkpoint received = ctx.checkpoint(sockets);
    Checkpoint result = ctx.checkpoint();
    List<Future<WebSocket>> connecting = new ArrayList<>();
    for (int i = 0; i < sockets; i++) {
      connecting.add(node.connectBench());
    }
    Future.all(connecting).onComplete(ctx.succeeding(all -> {
      List<WebSocket> list = all.list();
      boolean[] senderSawBroadcast = {false};
      for (int i = 0; i < sockets; i++) {
        boolean sender = i == 0;
        list.get(i).textMessageHandler(text -> ctx.verify(() -> {
          JsonObject m = new JsonObject(text);
          if (m.getString("type").equals("broadcast")) {
            assertEquals(broadcast, m);
            senderSawBroadcast[0] |= sender;
            received.flag();
          } else {
            assertTrue(sender, "only the sender gets the result");
            assertTrue(senderSawBroadcast[0], "the broadcast reaches the sender before its result");
            assertEquals(new JsonObject().put("type", "broadcastResult").put("payload", payload)
                .put("listenerCount", sockets), m);
            result.flag();
          }
        }));
      }
      node.untilSubscribed(sockets, 50).onComplete(ctx.succeeding(v -> list.get(0).writeTextMessage(broadcast.encode())));
    }));
  }
}
