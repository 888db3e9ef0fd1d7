package io.socketpush.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.socketpush.Await;
import io.socketpush.TestService;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.transport.Transport;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the node takes from Vert.x's internals, through {@link io.socketpush.internal} only. Each test names
 * one thing a Vert.x (or vertx-web) upgrade must keep true; when one fails, that door needs a new way in.
 */
@ExtendWith(VertxExtension.class)
class VertxUpgradeMustKeepTest {

  @Test
  void aWebSocketConnectionsOutboundQueueCanBeMadeDirectAndTheSocketStillEchoes(Vertx vertx) {
    DirectWrites writes = DirectWrites.create();
    assertNotNull(writes, "this Vert.x has the field and the class replaced: a Vert.x upgrade must look again");
    Promise<Boolean> applied = Promise.promise();
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setStrictThreadMode(true))
        .webSocketHandler(ws -> {
          applied.complete(writes.apply(ws));
          ws.textMessageHandler(text -> ws.writeTextMessage("echo " + text));
        });
    int port = Await.result(server.listen(0, "127.0.0.1"), 10).actualPort();
    WebSocket client = Await.result(client(vertx).connect(port, "127.0.0.1", "/"), 10);
    Promise<String> reply = Promise.promise();
    client.textMessageHandler(reply::tryComplete);
    assertTrue(Await.result(applied.future(), 10));
    client.writeTextMessage("hi");
    assertEquals("echo hi", Await.result(reply.future(), 10));
  }

  @Test
  void anAcceptedWebSocketCanLetItsHandshakeAndHeadersGoAndStillEchoesAndCloses(Vertx vertx) {
    HandshakeRelease release = HandshakeRelease.create();
    assertNotNull(release, "this Vert.x has no VertxHandler.connectionFactory or WebSocketImplBase.headers: "
        + "a Vert.x upgrade must look again");
    Promise<Boolean> applied = Promise.promise();
    Promise<String> path = Promise.promise();
    Promise<Void> serverClosed = Promise.promise();
    // as the node does: the socket is opened once the handshake is accepted
    HttpServer server = vertx.createHttpServer().webSocketHandshakeHandler(handshake -> handshake.accept().onSuccess(ws -> {
      String probe = ws.headers().get("x-probe"); // as an endpoint reads them at open
      applied.complete(release.apply(ws) && release.dropHeaders(ws));
      ws.closeHandler(v -> serverClosed.tryComplete());
      ws.textMessageHandler(text -> {
        path.tryComplete(ws.path() + "?" + ws.query() + " " + probe + " " + ws.headers().isEmpty());
        ws.writeTextMessage("echo " + text);
      });
    }));
    int port = Await.result(server.listen(0, "127.0.0.1"), 10).actualPort();
    WebSocket client = Await.result(client(vertx).connect(new io.vertx.core.http.WebSocketConnectOptions().setPort(port)
        .setHost("127.0.0.1").setURI("/ws?a=1").addHeader("x-probe", "kept")), 10);
    Promise<String> reply = Promise.promise();
    client.textMessageHandler(reply::tryComplete);
    assertTrue(Await.result(applied.future(), 10), "the handler's factory and the socket's headers were let go");
    client.writeTextMessage("hi");
    assertEquals("echo hi", Await.result(reply.future(), 10));
    assertEquals("/ws?a=1 kept true", Await.result(path.future(), 10),
        "the path and query the socket reads later are its own copies; its headers are gone");
    Await.result(client.close(), 10);
    Await.result(serverClosed.future(), 10);
  }

  @Test
  void aWebSocketsChannelTakesAPreparedFrameCountsWhatIsQueuedAndCanBeDropped(Vertx vertx) {
    ByteBuf prepared = Unpooled.wrappedBuffer(new byte[] {(byte) 0x81, 2, 'o', 'k'}); // FIN + text, "ok"
    Promise<Long> queued = Promise.promise();
    // as the node does: the raw socket is taken once the handshake is accepted
    HttpServer server = vertx.createHttpServer().webSocketHandshakeHandler(handshake -> handshake.accept().onSuccess(ws -> {
      RawSocket raw = RawSocket.of(ws);
      raw.waterMarks(1024, 4096);
      ws.textMessageHandler(text -> {
        assertTrue(raw.writable());
        raw.writeFrame(prepared.duplicate());
        queued.complete(raw.queuedBytes());
        if (text.equals("drop me")) {
          raw.drop(true);
        }
      });
    }));
    int port = Await.result(server.listen(0, "127.0.0.1"), 10).actualPort();
    WebSocket client = Await.result(client(vertx).connect(port, "127.0.0.1", "/"), 10);
    Promise<String> got = Promise.promise();
    Promise<Void> closed = Promise.promise();
    client.textMessageHandler(got::tryComplete);
    client.closeHandler(v -> closed.tryComplete());
    client.writeTextMessage("drop me");
    assertEquals("ok", Await.result(got.future(), 10), "the prepared frame reached the client as written");
    assertTrue(Await.result(queued.future(), 10) >= 0);
    Await.result(closed.future(), 10);
  }

  @Test
  void aReceivedFramesPayloadIsReadableWithoutACopyAndMakesAFrameToWrite(Vertx vertx) {
    HttpServer server = vertx.createHttpServer().webSocketHandler(ws -> ws.frameHandler(frame -> {
      if (frame.isBinary()) {
        ByteBuf payload = Frames.payload(frame);
        ws.writeFrame(Frames.frame(WebSocketFrameType.BINARY, payload, true));
      }
    }));
    int port = Await.result(server.listen(0, "127.0.0.1"), 10).actualPort();
    WebSocket client = Await.result(client(vertx).connect(port, "127.0.0.1", "/"), 10);
    Promise<Buffer> back = Promise.promise();
    client.binaryMessageHandler(back::tryComplete);
    client.writeBinaryMessage(Buffer.buffer(new byte[] {1, 2, 3}));
    assertEquals(Buffer.buffer(new byte[] {1, 2, 3}), Await.result(back.future(), 10));
  }

  @Test
  void aStandaloneVertxHasNoClusterManagerAndABufferWrapsBytesWithoutCopying(Vertx vertx) {
    assertNull(VertxInternals.clusterManager(vertx));
    ByteBuf bytes = Unpooled.copiedBuffer("abc", StandardCharsets.UTF_8);
    Buffer wrapped = VertxInternals.wrap(bytes);
    bytes.setByte(0, 'x');
    assertEquals("xbc", wrapped.toString(), "the same bytes, not a copy");
  }

  /** /api/stats names the transport by the implementation Vert.x runs, which must be the one it was built with. */
  @Test
  void theTransportAVertxRunsOnIsTheOneItWasBuiltWith(Vertx vertx) {
    assertEquals("nio", VertxInternals.transport(vertx));
    for (Transport built : new Transport[] {Transport.EPOLL, Transport.IO_URING}) {
      if (built != null && built.available()) {
        Vertx on = Vertx.builder().withTransport(built).build();
        try {
          assertEquals(built.name(), VertxInternals.transport(on));
        } finally {
          Await.result(on.close(), 10);
        }
      }
    }
  }

  @Test
  void sockJsEncodesAndDecodesItsArraysOfStrings() {
    String encoded = SockJsInternals.encode("{\"a\":\"é\u2028\"}");
    assertTrue(encoded.startsWith("[\"") && encoded.endsWith("\"]"), encoded);
    assertTrue(encoded.contains("\\u2028"), "SockJS escapes what some browsers' transports would break: " + encoded);
    assertEquals(List.of("{\"a\":\"é\u2028\"}"), SockJsInternals.decode(encoded));
    assertNull(SockJsInternals.decode("not json"));
  }

  /** A client that stays reachable for the test: Vert.x 5 closes a client, and its sockets, once it is garbage. */
  private static WebSocketClient client(Vertx vertx) {
    WebSocketClient client = vertx.createWebSocketClient();
    TestService.keepReachable(vertx, client);
    return client;
  }
}
