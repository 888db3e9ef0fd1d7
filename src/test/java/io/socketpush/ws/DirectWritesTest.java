package io.socketpush.ws;

import io.socketpush.Await;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WebSocket connection's outbound queue is replaced on this Vert.x, and the socket still writes and reads. */
@ExtendWith(VertxExtension.class)
class DirectWritesTest {

  @Test
  void anAcceptedSocketGetsDirectWritesAndStillEchoes(Vertx vertx) {
    DirectWrites writes = DirectWrites.create();
    assertNotNull(writes, "this Vert.x has the field and the class replaced: a Vert.x upgrade must look again");
    Promise<Boolean> applied = Promise.promise();
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setStrictThreadMode(true))
        .webSocketHandler(ws -> {
          applied.complete(writes.apply(ws));
          ws.textMessageHandler(text -> ws.writeTextMessage("echo " + text));
        });
    int port = Await.result(server.listen(0, "127.0.0.1"), 10).actualPort();
    WebSocket client = Await.result(vertx.createWebSocketClient().connect(port, "127.0.0.1", "/"), 10);
    Promise<String> reply = Promise.promise();
    client.textMessageHandler(reply::tryComplete);
    assertTrue(Await.result(applied.future(), 10));
    client.writeTextMessage("hi");
    assertEquals("echo hi", Await.result(reply.future(), 10));
  }
}
