package io.socketpush;

import io.socketpush.time.TimeAddresses;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that stops reading must not grow the server's memory nor delay anyone else: pushes to it
 * are skipped while its queue is full, and it is closed with 1008 if it stays full.
 */
@ExtendWith(VertxExtension.class)
class SlowConsumerTest {
  private static final String PAD = "x".repeat(8 * 1024);

  @Test
  void slowSocketDoesNotDelayOthersAndIsClosedWith1008(Vertx vertx, VertxTestContext ctx) {
    long period = 3_600_000;
    JsonObject conf = new JsonObject()
        .put("tick", new JsonObject().put("periodMs", period)) // the test publishes the ticks itself
        .put("ws", new JsonObject().put("writeQueueMaxBytes", 1024).put("slowConsumerCloseMs", 500));
    List<Long> fastLatencies = new ArrayList<>();
    Map<Long, Long> publishedAt = new ConcurrentHashMap<>();
    long[] published = {0};
    long[] lastTs = {0};
    TestService.start(vertx, conf).compose(service -> Future.all(
            service.connect("/ws/time"),
            service.connect("/ws/time", new WebSocketClientOptions().setReceiveBufferSize(4096)))
        .compose(both -> {
          WebSocket fast = both.resultAt(0);
          WebSocket slow = both.resultAt(1);
          slow.pause(); // reads nothing from now on: its TCP window and then the server's queue fill
          io.vertx.core.Promise<Short> slowClosed = io.vertx.core.Promise.promise();
          slow.closeHandler(v -> slowClosed.tryComplete(slow.closeStatusCode()));
          fast.textMessageHandler(text ->
              fastLatencies.add(System.currentTimeMillis() - publishedAt.get(new JsonObject(text).getLong("ts"))));
          long publisher = vertx.setPeriodic(4, t -> {
            // one tick per period, as the fan-out delivers at most one: the ts of the following boundaries
            long ts = lastTs[0] == 0 ? System.currentTimeMillis() / period * period + period : lastTs[0] + period;
            lastTs[0] = ts;
            publishedAt.put(ts, System.currentTimeMillis());
            published[0]++;
            vertx.eventBus().publish(TimeAddresses.TIME_TICKS, new JsonObject().put("time", "t").put("ts", ts).put("pad", PAD));
          });
          return waitUntilSkipping(vertx, service, 100)
              .compose(v -> vertx.timer(900)) // past slowConsumerCloseMs: the server has sent its close
              .compose(v -> {
                vertx.cancelTimer(publisher);
                slow.resume(); // read what was queued, then the close frame
                return slowClosed.future();
              })
              .compose(code -> vertx.timer(200).compose(v -> service.stats()).map(stats -> {
                ctx.verify(() -> {
                  assertEquals((short) 1008, code);
                  assertTrue(stats.getLong("ticksSkippedSlow") > 0, stats.encode());
                  assertTrue(fastLatencies.size() >= published[0] - 2,
                      "fast socket got " + fastLatencies.size() + " of " + published[0]);
                  // a socket held up by the slow one would lag by seconds, or stop: judge the bulk, not one
                  // hiccup of a busy 2-core machine
                  long[] sorted = fastLatencies.stream().mapToLong(Long::longValue).sorted().toArray();
                  long median = sorted[sorted.length / 2];
                  assertTrue(median < 250, "fast socket delayed: median " + median + " ms, max " + sorted[sorted.length - 1]);
                });
                return stats;
              }));
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Void> waitUntilSkipping(Vertx vertx, TestService service, int triesLeft) {
    return service.stats().compose(stats -> {
      if (stats.getLong("ticksSkippedSlow") > 0) {
        return Future.succeededFuture();
      }
      if (triesLeft == 0) {
        return Future.failedFuture("the paused socket never filled its queue: " + stats.encode());
      }
      return vertx.timer(50).compose(t -> waitUntilSkipping(vertx, service, triesLeft - 1));
    });
  }
}
