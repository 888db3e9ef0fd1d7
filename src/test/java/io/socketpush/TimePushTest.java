package io.socketpush;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class TimePushTest {
  private static final long PERIOD = 300;

  private static Future<TestService> fastTicks(Vertx vertx) {
    return TestService.start(vertx, new JsonObject()
        .put("tick", new JsonObject().put("periodMs", PERIOD))
        .put("time", new JsonObject().put("zone", "Asia/Shanghai")));
  }

  @Test
  void ticksCarryTheFormattedTimeAndEpochMillisAtTheConfiguredCadence(Vertx vertx, VertxTestContext ctx) {
    List<JsonObject> ticks = new ArrayList<>();
    List<Long> arrivals = new ArrayList<>();
    fastTicks(vertx).compose(s -> s.connect("/ws/time")).onComplete(ctx.succeeding(ws -> ws.textMessageHandler(text -> {
      ticks.add(new JsonObject(text));
      arrivals.add(System.currentTimeMillis());
      if (ticks.size() < 3) {
        return;
      }
      ctx.verify(() -> {
        DateTimeFormatter format = DateTimeFormatter.ofPattern("yyyy.MM.dd HH:mm:ss").withZone(ZoneId.of("Asia/Shanghai"));
        for (int i = 0; i < 3; i++) {
          JsonObject tick = ticks.get(i);
          long ts = tick.getLong("ts");
          assertEquals(format.format(Instant.ofEpochMilli(ts)), tick.getString("time"));
          assertTrue(tick.getString("time").matches("\\d{4}\\.\\d{2}\\.\\d{2} \\d{2}:\\d{2}:\\d{2}"), tick.encode());
          assertEquals("Asia/Shanghai", tick.getString("zone"));
          assertTrue(Math.abs(arrivals.get(i) - ts) < 200, "delivered within 200 ms of ts");
          if (i > 0) {
            long gap = ts - ticks.get(i - 1).getLong("ts");
            assertTrue(gap > PERIOD - 60 && gap < PERIOD + 60, "ticks " + PERIOD + " ms apart, were " + gap);
          }
        }
        // aligned to the period's wall-clock boundaries
        assertTrue(ticks.get(2).getLong("ts") % PERIOD < 60, "aligned: " + ticks.get(2).getLong("ts"));
        ctx.completeNow();
      });
    })));
  }

  @Test
  void twoSocketsReceiveTheSameTicks(Vertx vertx, VertxTestContext ctx) {
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    fastTicks(vertx).compose(s -> Future.all(s.connect("/ws/time"), s.connect("/ws/time"))).onComplete(ctx.succeeding(both -> {
      Runnable check = () -> {
        if (first.size() >= 4 && second.size() >= 4) {
          ctx.verify(() -> {
            // one socket may have joined a tick before the other: compare from the first tick both saw
            int from = first.indexOf(second.get(0)) >= 0 ? first.indexOf(second.get(0)) : 0;
            int fromSecond = from == 0 ? second.indexOf(first.get(0)) : 0;
            assertTrue(from >= 0 && fromSecond >= 0, first + " vs " + second);
            assertEquals(first.subList(from, from + 3), second.subList(fromSecond, fromSecond + 3));
            ctx.completeNow();
          });
        }
      };
      // each socket may be served by a different event loop: the handlers run on the test's context
      ((WebSocket) both.resultAt(0)).textMessageHandler(text -> {
        first.add(text);
        check.run();
      });
      ((WebSocket) both.resultAt(1)).textMessageHandler(text -> {
        second.add(text);
        check.run();
      });
    }));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/z/test_websocket/", "/z/test_websocket"})
  void theOriginalPushPathsStillPush(String path, Vertx vertx, VertxTestContext ctx) {
    fastTicks(vertx).compose(s -> s.connect(path)).onComplete(ctx.succeeding(ws -> ws.textMessageHandler(text -> {
      ctx.verify(() -> assertTrue(new JsonObject(text).containsKey("time")));
      ctx.completeNow();
    })));
  }

  @Test
  void aClosedSocketLeavesTheFanOut(Vertx vertx, VertxTestContext ctx) {
    fastTicks(vertx).onComplete(ctx.succeeding(service -> service.connect("/ws/time").onComplete(ctx.succeeding(ws ->
        ws.textMessageHandler(first -> {
          ws.textMessageHandler(null);
          service.stats()
              .onSuccess(stats -> ctx.verify(() -> assertEquals(1, stats.getJsonObject("subscribers").getInteger("time"))))
              .compose(v -> ws.close())
              .compose(v -> waitForSubscribers(vertx, service, 0, 40))
              .onComplete(ctx.succeedingThenComplete());
        })))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/ws/nope", "/ws/bench"}) // /ws/bench only with the bench module on the class path
  void anUnknownPathIsRefusedWith404AndNoUpgrade(String path, Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx).compose(s -> s.connect(path)).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertInstanceOf(UpgradeRejectedException.class, err);
      assertEquals(404, ((UpgradeRejectedException) err).getStatus());
      ctx.completeNow();
    })));
  }

  static Future<Void> waitForSubscribers(Vertx vertx, TestService service, int expected, int triesLeft) {
    return service.stats().compose(stats -> {
      int now = stats.getJsonObject("subscribers").getInteger("time", 0);
      if (now == expected) {
        return Future.succeededFuture();
      }
      if (triesLeft == 0) {
        return Future.failedFuture("subscribers stayed at " + now + ", expected " + expected);
      }
      return vertx.timer(50).compose(t -> waitForSubscribers(vertx, service, expected, triesLeft - 1));
    });
  }
}
