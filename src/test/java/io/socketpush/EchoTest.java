package io.socketpush;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

@ExtendWith(VertxExtension.class)
class EchoTest {
  private TestService service;

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx).onComplete(ctx.succeeding(s -> {
      service = s;
      ctx.completeNow();
    }));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/ws/echo", "/z/test_socket/", "/z/test_socket"})
  void echoesTextOnEveryEchoPath(String path, VertxTestContext ctx) {
    service.connect(path).onComplete(ctx.succeeding(ws -> {
      ws.textMessageHandler(text -> ctx.verify(() -> {
        assertEquals("hello", text);
        ctx.completeNow();
      }));
      ws.writeTextMessage("hello");
    }));
  }

  @Test
  void echoesChineseText(VertxTestContext ctx) {
    String text = "你好，WebSocket";
    service.connect("/ws/echo").onComplete(ctx.succeeding(ws -> {
      ws.textMessageHandler(echoed -> ctx.verify(() -> {
        assertEquals(text, echoed);
        ctx.completeNow();
      }));
      ws.writeTextMessage(text);
    }));
  }

  @Test
  void echoesBinaryFramesAsBinary(VertxTestContext ctx) {
    byte[] bytes = {0, 1, 2, (byte) 0xFF, (byte) 0xC3, 0x28};
    service.connect("/ws/echo").onComplete(ctx.succeeding(ws -> {
      ws.textMessageHandler(text -> ctx.failNow("binary came back as text: " + text));
      ws.binaryMessageHandler(echoed -> ctx.verify(() -> {
        assertArrayEquals(bytes, echoed.getBytes());
        ctx.completeNow();
      }));
      ws.writeBinaryMessage(Buffer.buffer(bytes));
    }));
  }

  @Test
  void echoesA60KiBMessageWhole(VertxTestContext ctx) {
    byte[] bytes = new byte[60 * 1024];
    new Random(7).nextBytes(bytes);
    service.connect("/ws/echo").onComplete(ctx.succeeding(ws -> {
      ws.binaryMessageHandler(echoed -> ctx.verify(() -> {
        assertArrayEquals(bytes, echoed.getBytes());
        ctx.completeNow();
      }));
      ws.writeBinaryMessage(Buffer.buffer(bytes));
    }));
  }

  @Test
  void echoesAMessageSentInFragments(VertxTestContext ctx) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      text.append("片段").append(i).append(' ');
    }
    // the client splits what it sends into 4 KiB frames; the server must put the message back whole
    service.connect("/ws/echo", new WebSocketClientOptions().setMaxFrameSize(4096)).onComplete(ctx.succeeding(ws -> {
      ws.textMessageHandler(echoed -> ctx.verify(() -> {
        assertEquals(text.toString(), echoed);
        ctx.completeNow();
      }));
      ws.writeTextMessage(text.toString());
    }));
  }

  @Test
  void echoesTwoHundredMessagesInOrder(VertxTestContext ctx) {
    List<String> received = new ArrayList<>();
    service.connect("/ws/echo").onComplete(ctx.succeeding(ws -> {
      ws.textMessageHandler(text -> {
        received.add(text);
        if (received.size() == 200) {
          ctx.verify(() -> {
            for (int i = 0; i < 200; i++) {
              assertEquals("message " + i, received.get(i));
            }
            ctx.completeNow();
          });
        }
      });
      for (int i = 0; i < 200; i++) {
        ws.writeTextMessage("message " + i);
      }
    }));
  }

  @Test
  void echoNeverTouchesTheEventBus(Vertx vertx, VertxTestContext ctx) {
    Checkpoint echoed = ctx.checkpoint();
    vertx.eventBus().addOutboundInterceptor(delivery -> {
      if (!delivery.message().address().startsWith("socket-push.time")) {
        ctx.failNow("echo used the event bus: " + delivery.message().address());
      }
      delivery.next();
    });
    service.connect("/ws/echo").onComplete(ctx.succeeding(ws -> {
      ws.textMessageHandler(text -> echoed.flag());
      ws.writeTextMessage("local only");
    }));
  }
}
