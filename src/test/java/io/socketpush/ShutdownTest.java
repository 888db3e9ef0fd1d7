package io.socketpush;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class ShutdownTest {

  private static Future<Short> closeCodeOf(WebSocket ws) {
    Promise<Short> code = Promise.promise();
    ws.closeHandler(v -> code.tryComplete(ws.closeStatusCode()));
    return code.future();
  }

  @Test
  void shutdownClosesSocketsWith1001WhileReadinessSays503(Vertx vertx, VertxTestContext ctx) {
    JsonObject conf = new JsonObject().put("shutdown", new JsonObject().put("graceMs", 5000));
    TestService.start(vertx, conf).compose(service -> Future.all(
            service.connect("/ws/time"), service.connect("/ws/echo"), RawWebSocket.connect(vertx, service.port(), "/ws/time"))
        .compose(sockets -> {
          // the raw socket never answers the close frame, so draining lasts until its closing timeout
          Future<Short> time = closeCodeOf(sockets.resultAt(0));
          Future<Short> echo = closeCodeOf(sockets.resultAt(1));
          Future<Integer> raw = ((RawWebSocket) sockets.resultAt(2)).closeCode();
          Future<Void> drained = service.app().shutdown();
          return service.get("/health/ready").compose(ready -> {
            ctx.verify(() -> assertEquals(503, ready.status(), "ready while draining"));
            return service.connect("/ws/time").transform(ar -> {
              ctx.verify(() -> {
                assertTrue(ar.failed(), "a new socket was accepted while draining");
                assertInstanceOf(UpgradeRejectedException.class, ar.cause());
                assertEquals(503, ((UpgradeRejectedException) ar.cause()).getStatus());
              });
              return Future.all(time, echo, raw, drained);
            });
          }).map(all -> {
            ctx.verify(() -> {
              assertEquals((short) 1001, (Short) all.resultAt(0));
              assertEquals((short) 1001, (Short) all.resultAt(1));
              assertEquals(1001, (Integer) all.resultAt(2));
            });
            return all;
          });
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void sigtermDrainsTheProcessWithin_shutdownGraceMs(Vertx vertx, VertxTestContext ctx) throws Exception {
    try (ServiceProcess process = ServiceProcess.start(Map.of("SHUTDOWN_GRACE_MS", "3000"))) {
      var client = vertx.createWebSocketClient();
      TestService.keepReachable(vertx, client);
      WebSocket ws = client.connect(process.port(), TestService.HOST, "/ws/time").await(5, TimeUnit.SECONDS);
      Future<Short> code = closeCodeOf(ws);
      long signalled = System.currentTimeMillis();
      process.terminate();
      Short closeCode = code.await(5, TimeUnit.SECONDS);
      assertTrue(process.waitFor(5000), "the process exits after draining");
      long took = System.currentTimeMillis() - signalled;
      assertEquals((short) 1001, closeCode);
      assertTrue(took < 3000 + 2000, "exited " + took + " ms after SIGTERM");
      ctx.completeNow();
    }
  }
}
