package io.socketpush;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue #11, item 8: what an opening handshake must be, and who pays for a refused one. */
@ExtendWith(VertxExtension.class)
class HandshakeChecksTest {
  private static final String GOOD_KEY = "dGhlIHNhbXBsZSBub25jZQ=="; // RFC 6455's example: 16 bytes

  @Test
  void handshakeOfAnotherVersionThan13IsRefusedWith426(Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx)
        .compose(service -> RawWebSocket.handshakeStatus(vertx, service.port(), "/ws/echo", GOOD_KEY, "8"))
        .onComplete(ctx.succeeding(status -> ctx.verify(() -> {
          assertTrue(status.startsWith("HTTP/1.1 426"), status);
          ctx.completeNow();
        })));
  }

  @Test
  void keyThatIsNot16BytesInBase64IsRefusedWith400(Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx)
        .compose(service -> Future.all(
            RawWebSocket.handshakeStatus(vertx, service.port(), "/ws/echo", "dGhlIHNhbXBsZQ==", "13"), // 10 bytes
            RawWebSocket.handshakeStatus(vertx, service.port(), "/ws/echo", "not base64 at all!", "13")))
        .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
          assertTrue(both.<String>resultAt(0).startsWith("HTTP/1.1 400"), both.<String>resultAt(0));
          assertTrue(both.<String>resultAt(1).startsWith("HTTP/1.1 400"), both.<String>resultAt(1));
          ctx.completeNow();
        })));
  }

  /**
   * One address at its own limit retries and retries; its refusals must not spend the handshakes per
   * second that every address shares, so another address still gets in.
   */
  @Test
  void addressAtItsLimitDoesNotSpendTheSharedHandshakeBudget(Vertx vertx, VertxTestContext ctx) {
    JsonObject limits = new JsonObject().put("limits", new JsonObject()
        .put("maxConnectionsPerIp", 1).put("newConnectionsPerSecond", 3));
    TestService.start(vertx, limits).compose(service -> {
      WebSocketClient greedy = client(vertx, "127.0.0.1");
      WebSocketClient other = client(vertx, "127.0.0.2");
      return greedy.connect(service.port(), TestService.HOST, "/ws/echo").compose(first -> {
        List<Future<WebSocket>> refused = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          refused.add(greedy.connect(service.port(), TestService.HOST, "/ws/echo"));
        }
        return Future.join(refused).transform(ar -> {
          ctx.verify(() -> {
            for (Future<WebSocket> attempt : refused) {
              assertTrue(attempt.failed(), "a second socket from one address was accepted");
              assertEquals(429, ((UpgradeRejectedException) attempt.cause()).getStatus());
            }
          });
          // the bucket held 3: one went to the first socket, so two are left for everyone else
          return Future.all(other.connect(service.port(), TestService.HOST, "/ws/echo"),
              client(vertx, "127.0.0.3").connect(service.port(), TestService.HOST, "/ws/echo"));
        });
      }).compose(v -> service.stats());
    }).onComplete(ctx.succeeding(stats -> ctx.verify(() -> {
      JsonObject refused = stats.getJsonObject("handshakesRefused");
      assertEquals(10L, refused.getLong("too many connections from this address", 0L), stats.encode());
      assertEquals(0L, refused.getLong("rate limited", 0L), stats.encode());
      ctx.completeNow();
    })));
  }

  private static WebSocketClient client(Vertx vertx, String localAddress) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setLocalAddress(localAddress));
    TestService.keepReachable(vertx, client);
    return client;
  }
}
