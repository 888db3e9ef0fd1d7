package io.socketpush;

import io.vertx.core.Future;
import io.vertx.core.Promise;
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
import java.time.Duration;
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

  /**
   * Keep-alive costs a ping and a pong per quiet socket and interval: a socket the server has written to and heard
   * from (any frame, a pong included) within the interval is not pinged; one silent for the interval is. The node's
   * clock is moved, and a silent second socket on the same event loop shows when a sweep has looked at both.
   */
  @Test
  void aSocketHeardFromWithinThePingIntervalIsNotPinged(Vertx vertx) {
    TestClock clock = new TestClock();
    JsonObject ws = new JsonObject().put("pingIntervalMs", 60_000).put("idleTimeoutMs", 600_000);
    TestService service = Await.result(TestService.start(vertx, new JsonObject().put("ws", ws)
        .put("http", new JsonObject().put("instances", 1)), clock), 30);
    Frames silent = new Frames(Await.result(service.connect("/ws/echo"), 10));
    Frames talking = new Frames(Await.result(service.connect("/ws/echo"), 10));
    clock.advance(Duration.ofSeconds(30));
    Await.result(talking.echo("heard at +30 s"), 10);
    Future<Void> silentPinged = silent.nextPing();
    clock.advance(Duration.ofSeconds(31)); // silent for 61 s: due; talking heard and written to 31 s ago: not due
    Await.result(silentPinged, 30); // a sweep has run on the moved clock
    Await.result(talking.echo("after that sweep"), 10); // a ping from that sweep would have come before this echo
    assertEquals(0, talking.pings, "a socket heard from within the interval is not pinged");
    Future<Void> talkingPinged = talking.nextPing();
    clock.advance(Duration.ofSeconds(61));
    Await.result(talkingPinged, 30); // silent for the interval, it is pinged like any other
  }

  /** A client socket's frames: pings counted, the next ping or text awaited (asked for before it can come). */
  private static final class Frames {
    private final WebSocket socket;
    private volatile int pings;
    private volatile Promise<Void> ping = Promise.promise();
    private volatile Promise<String> text = Promise.promise();

    Frames(WebSocket socket) {
      this.socket = socket;
      socket.frameHandler(frame -> {
        if (frame.type() == WebSocketFrameType.PING) {
          pings = pings + 1; // only this socket's event loop writes it
          ping.tryComplete();
        } else if (frame.type() == WebSocketFrameType.TEXT) {
          text.tryComplete(frame.textData());
        }
      });
    }

    Future<Void> nextPing() {
      ping = Promise.promise();
      return ping.future();
    }

    Future<String> echo(String message) {
      text = Promise.promise();
      socket.writeTextMessage(message);
      return text.future();
    }
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
