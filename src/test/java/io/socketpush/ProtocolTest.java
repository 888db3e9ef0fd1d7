package io.socketpush;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the server enforces on what clients send, beyond what Vert.x does by default. */
@ExtendWith(VertxExtension.class)
class ProtocolTest {

  private static Future<Short> closeCodeOf(WebSocket ws) {
    io.vertx.core.Promise<Short> code = io.vertx.core.Promise.promise();
    ws.closeHandler(v -> code.tryComplete(ws.closeStatusCode()));
    return code.future();
  }

  @Test
  void invalidUtf8InATextMessageClosesWith1007(Vertx vertx, VertxTestContext ctx) {
    byte[] notUtf8 = {'o', 'k', (byte) 0xC3, 0x28};
    TestService.start(vertx).compose(s -> s.connect("/ws/echo")).onComplete(ctx.succeeding(ws -> {
      ws.textMessageHandler(text -> ctx.failNow("invalid text was echoed"));
      closeCodeOf(ws).onComplete(ctx.succeeding(code -> ctx.verify(() -> {
        assertEquals((short) 1007, code);
        ctx.completeNow();
      })));
      ws.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, notUtf8, true));
    }));
  }

  @Test
  void aTextMessageEndingMidCharacterClosesWith1007(Vertx vertx, VertxTestContext ctx) {
    byte[] truncated = Arrays.copyOf("你".getBytes(StandardCharsets.UTF_8), 2);
    TestService.start(vertx).compose(s -> s.connect("/ws/echo")).onComplete(ctx.succeeding(ws -> {
      closeCodeOf(ws).onComplete(ctx.succeeding(code -> ctx.verify(() -> {
        assertEquals((short) 1007, code);
        ctx.completeNow();
      })));
      ws.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, truncated, true));
    }));
  }

  @Test
  void aFrameOverTheLimitClosesWith1009(Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx, new JsonObject().put("ws", new JsonObject().put("maxMessageBytes", 1000)))
        .compose(s -> s.connect("/ws/echo")).onComplete(ctx.succeeding(ws -> {
          closeCodeOf(ws).onComplete(ctx.succeeding(code -> ctx.verify(() -> {
            assertEquals((short) 1009, code);
            ctx.completeNow();
          })));
          ws.writeBinaryMessage(Buffer.buffer(new byte[1001]));
        }));
  }

  @Test
  void aFragmentedMessageOverTheLimitClosesWith1009(Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx, new JsonObject().put("ws", new JsonObject().put("maxMessageBytes", 1000)))
        .compose(s -> s.connect("/ws/echo", new WebSocketClientOptions().setMaxFrameSize(400)))
        .onComplete(ctx.succeeding(ws -> {
          closeCodeOf(ws).onComplete(ctx.succeeding(code -> ctx.verify(() -> {
            assertEquals((short) 1009, code);
            ctx.completeNow();
          })));
          ws.writeTextMessage("x".repeat(1200)); // three frames of 400: each within the limit, the message not
        }));
  }

  @Test
  void aMessageAtTheLimitIsEchoed(Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx, new JsonObject().put("ws", new JsonObject().put("maxMessageBytes", 1000)))
        .compose(s -> s.connect("/ws/echo")).onComplete(ctx.succeeding(ws -> {
          ws.binaryMessageHandler(echoed -> ctx.verify(() -> {
            assertEquals(1000, echoed.length());
            ctx.completeNow();
          }));
          ws.writeBinaryMessage(Buffer.buffer(new byte[1000]));
        }));
  }

  @Test
  void aReservedOpcodeClosesWith1002(Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx).compose(s -> RawWebSocket.connect(vertx, s.port(), "/ws/echo"))
        .compose(raw -> raw.send(0x83, new byte[] {1}).compose(v -> raw.closeCode()))
        .onComplete(ctx.succeeding(code -> ctx.verify(() -> {
          assertEquals(1002, code);
          ctx.completeNow();
        })));
  }

  @Test
  void aContinuationWithoutAStartClosesWith1002(Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx).compose(s -> RawWebSocket.connect(vertx, s.port(), "/ws/echo"))
        .compose(raw -> raw.send(0x80, "orphan".getBytes(StandardCharsets.US_ASCII)).compose(v -> raw.closeCode()))
        .onComplete(ctx.succeeding(code -> ctx.verify(() -> {
          assertEquals(1002, code);
          ctx.completeNow();
        })));
  }

  @Test
  void answersPingsWithPongs(Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx).compose(s -> s.connect("/ws/echo")).onComplete(ctx.succeeding(ws -> {
      ws.pongHandler(pong -> ctx.verify(() -> {
        assertEquals("are you there", pong.toString());
        ctx.completeNow();
      }));
      ws.writePing(Buffer.buffer("are you there"));
    }));
  }

  @Test
  void pingsAQuietClientAndKeepsItWhileItAnswers(Vertx vertx, VertxTestContext ctx) {
    Checkpoint pinged = ctx.checkpoint(3);
    JsonObject ws = new JsonObject().put("pingIntervalMs", 100).put("idleTimeoutMs", 1500);
    TestService.start(vertx, new JsonObject().put("ws", ws)).compose(s -> s.connect("/ws/time"))
        .onComplete(ctx.succeeding(socket -> {
          socket.frameHandler(frame -> {
            if (frame.type() == WebSocketFrameType.PING) {
              pinged.flag(); // the client library answers with a pong by itself
            }
          });
          socket.closeHandler(v -> ctx.failNow("a client answering pings was closed: " + socket.closeStatusCode()));
        }));
  }

  @Test
  void closesAClientThatStaysSilentPastTheIdleTimeout(Vertx vertx, VertxTestContext ctx) {
    JsonObject ws = new JsonObject().put("pingIntervalMs", 100).put("idleTimeoutMs", 400);
    long start = System.currentTimeMillis();
    TestService.start(vertx, new JsonObject().put("ws", ws))
        .compose(s -> RawWebSocket.connect(vertx, s.port(), "/ws/time"))
        .compose(raw -> raw.closeCode().map(code -> {
          ctx.verify(() -> {
            assertEquals(1001, code);
            assertTrue(raw.pingsReceived() >= 1, "pinged before being closed");
            long after = System.currentTimeMillis() - start;
            assertTrue(after >= 400, "not before its idle timeout: closed after " + after + " ms");
          });
          return code;
        }))
        .onComplete(ctx.succeedingThenComplete());
  }
}
