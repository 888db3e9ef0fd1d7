package io.socketpush.transport;

import io.socketpush.TestClock;
import io.socketpush.TestService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The time ticks over polling, long-polling, Server-Sent Events and SockJS: formats, and which tick answers what.
 * Where it matters which ticks exist, the node ticks every five minutes on a {@link TestClock} and a test makes
 * each tick by moving the clock to its boundary: no other tick can come in between, so nothing needs timing.
 */
@ExtendWith(VertxExtension.class)
class HttpTransportsTest {
  private static final Pattern EVENT = Pattern.compile("id: (\\d+)\ndata: (\\{[^\n]*\\})\n\n");
  private static final String TIME = "\\d{4}\\.\\d{2}\\.\\d{2} \\d{2}:\\d{2}:\\d{2}";

  /** One instance, so that every request sees the same latest tick. */
  private static Future<TestService> node(Vertx vertx, long periodMs, JsonObject more) {
    return TestService.start(vertx, new JsonObject()
        .put("http", new JsonObject().put("instances", 1))
        .put("tick", new JsonObject().put("periodMs", periodMs))
        .mergeIn(more, true));
  }

  private static final long SLOW = 300_000;

  /**
   * A node whose ticks come only when the test moves its clock to the next boundary; a long-poll is held for
   * longer than such a move, so that moving the clock does not time it out.
   */
  private static Future<TestService> slowTicks(Vertx vertx, TestClock clock) {
    return TestService.start(vertx, new JsonObject()
        .put("http", new JsonObject().put("instances", 1))
        .put("tick", new JsonObject().put("periodMs", SLOW))
        .put("longpoll", new JsonObject().put("timeoutMs", 2 * SLOW)), clock);
  }

  /** Makes the node's one tick (the next boundary on its clock) and polls until the node serves it. */
  private static Future<HttpProbe.Reply> oneTick(Vertx vertx, TestService service, TestClock clock, HttpProbe probe) {
    return service.tickerLeading().compose(v -> {
      long boundary = clock.advanceToNext(SLOW);
      return firstTick(vertx, probe).map(reply -> {
        assertEquals(boundary, new JsonObject(reply.body()).getLong("ts"), "the tick of the boundary the clock was moved to");
        return reply;
      });
    });
  }

  /** Polls until the node has seen its first tick. */
  private static Future<HttpProbe.Reply> firstTick(Vertx vertx, HttpProbe probe) {
    return probe.get("/api/time", Map.of()).compose(r -> r.status() == 200 ? Future.succeededFuture(r)
        : vertx.timer(50).compose(v -> firstTick(vertx, probe)));
  }

  private static void assertTick(JsonObject tick) {
    assertTrue(tick.getString("time").matches(TIME), tick.encode());
    assertTrue(tick.getLong("ts") > 1_700_000_000_000L, tick.encode());
  }

  @Test
  void pollReturnsTheLatestTickAsJsonWithAnETag(Vertx vertx, VertxTestContext ctx) {
    node(vertx, 300, new JsonObject()).compose(s -> firstTick(vertx, new HttpProbe(vertx, s.port())))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          JsonObject tick = new JsonObject(reply.body());
          assertTick(tick);
          assertEquals("\"" + tick.getLong("ts") + "\"", reply.headers().get("ETag"));
          assertEquals("no-cache", reply.headers().get("Cache-Control"));
          assertTrue(reply.headers().get("Content-Type").startsWith("application/json"));
          ctx.completeNow();
        })));
  }

  @Test
  void ifNoneMatchGets304UntilTheNextTick(Vertx vertx, VertxTestContext ctx) {
    node(vertx, 1000, new JsonObject()).compose(s -> {
      HttpProbe probe = new HttpProbe(vertx, s.port());
      return firstTick(vertx, probe).compose(first -> {
        String etag = first.headers().get("ETag");
        return probe.get("/api/time", Map.of("If-None-Match", etag)).compose(notModified -> {
          ctx.verify(() -> {
            assertEquals(304, notModified.status());
            assertEquals("", notModified.body());
            assertEquals(etag, notModified.headers().get("ETag"));
          });
          return untilChanged(vertx, probe, etag);
        }).map(next -> {
          ctx.verify(() -> {
            assertNotEquals(etag, next.headers().get("ETag"));
            long before = Long.parseLong(etag.replace("\"", ""));
            assertTrue(new JsonObject(next.body()).getLong("ts") > before);
          });
          return next;
        });
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  private static Future<HttpProbe.Reply> untilChanged(Vertx vertx, HttpProbe probe, String etag) {
    return probe.get("/api/time", Map.of("If-None-Match", etag)).compose(r -> r.status() == 200 ? Future.succeededFuture(r)
        : vertx.timer(100).compose(v -> untilChanged(vertx, probe, etag)));
  }

  @Test
  void longPollAnswersAtOnceWhenANewerTickExists(Vertx vertx, VertxTestContext ctx) {
    TestClock clock = TestClock.justPast(SLOW);
    slowTicks(vertx, clock).compose(s -> {
      HttpProbe probe = new HttpProbe(vertx, s.port());
      return oneTick(vertx, s, clock, probe).compose(first -> {
        long ts = new JsonObject(first.body()).getLong("ts");
        // no other tick comes until the clock is moved: a held request would never be answered with a tick
        return probe.get("/api/time/next?after=" + (ts - 1), Map.of()).map(reply -> {
          ctx.verify(() -> {
            assertEquals(200, reply.status());
            assertEquals(ts, new JsonObject(reply.body()).getLong("ts"), "answered with the tick it is behind, at once");
            assertEquals(first.headers().get("ETag"), reply.headers().get("ETag"));
          });
          return reply;
        });
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void longPollIsHeldUntilTheNextTick(Vertx vertx, VertxTestContext ctx) {
    TestClock clock = TestClock.justPast(SLOW);
    slowTicks(vertx, clock).compose(s -> {
      HttpProbe probe = new HttpProbe(vertx, s.port());
      return oneTick(vertx, s, clock, probe).compose(first -> {
        long ts = new JsonObject(first.body()).getLong("ts");
        Future<HttpProbe.Reply> held = probe.get("/api/time/next?after=" + ts, Map.of());
        // once the request is held (it follows the hub), the next tick is made; it is what answers the request
        return s.timeSubscribers(1)
            .compose(v -> {
              ctx.verify(() -> assertTrue(!held.isComplete(), "held while no newer tick exists"));
              clock.advanceToNext(SLOW);
              return held;
            })
            .map(reply -> {
              ctx.verify(() -> {
                assertEquals(200, reply.status());
                JsonObject next = new JsonObject(reply.body());
                assertTick(next);
                assertEquals(ts + SLOW, next.getLong("ts"), "answered by the next tick");
                assertEquals("\"" + next.getLong("ts") + "\"", reply.headers().get("ETag"));
              });
              return reply;
            });
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void longPollTimesOutWith204(Vertx vertx, VertxTestContext ctx) {
    node(vertx, 3_600_000, new JsonObject().put("longpoll", new JsonObject().put("timeoutMs", 400)))
        .compose(s -> new HttpProbe(vertx, s.port()).get("/api/time/next?after=" + Long.MAX_VALUE / 2, Map.of()))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertEquals(204, reply.status());
          assertEquals("", reply.body());
          assertTrue(reply.tookMs() >= 400, "not before its timeout: " + reply.tookMs() + " ms");
          ctx.completeNow();
        })));
  }

  @Test
  void sseStreamsEachTickAsAnEventWithItsTsAsId(Vertx vertx, VertxTestContext ctx) {
    node(vertx, 300, new JsonObject()).compose(s -> new HttpProbe(vertx, s.port()).stream("/sse/time", Map.of()))
        .compose(stream -> {
          ctx.verify(() -> {
            assertEquals("text/event-stream", stream.response.getHeader("Content-Type"));
            assertEquals("no-cache", stream.response.getHeader("Cache-Control"));
          });
          return stream.until(text -> events(text).size() >= 3);
        })
        .onComplete(ctx.succeeding(text -> ctx.verify(() -> {
          List<long[]> seen = new ArrayList<>();
          Matcher m = EVENT.matcher(text);
          while (m.find()) {
            JsonObject tick = new JsonObject(m.group(2));
            assertTick(tick);
            assertEquals(Long.parseLong(m.group(1)), tick.getLong("ts"), "id is the tick's ts");
            seen.add(new long[] {tick.getLong("ts")});
          }
          for (int i = 1; i < seen.size(); i++) {
            assertTrue(seen.get(i)[0] > seen.get(i - 1)[0], "ids increase");
          }
          ctx.completeNow();
        })));
  }

  @Test
  void sseResumesFromLastEventId(Vertx vertx, VertxTestContext ctx) {
    TestClock clock = TestClock.justPast(SLOW);
    slowTicks(vertx, clock).compose(s -> {
      HttpProbe probe = new HttpProbe(vertx, s.port());
      return oneTick(vertx, s, clock, probe).compose(first -> {
        long latest = new JsonObject(first.body()).getLong("ts");
        // behind: the latest tick comes at once (no other tick comes until the clock is moved)
        Future<Void> behind = probe.stream("/sse/time", Map.of("Last-Event-ID", String.valueOf(latest - 1)))
            .compose(stream -> stream.until(t -> !events(t).isEmpty()).map(text -> {
              ctx.verify(() -> assertEquals(List.of(latest), events(text), "the latest tick first: " + text));
              stream.close();
              return null;
            }));
        // up to date: only a comment until the next tick, which is newer
        Future<Void> current = probe.stream("/sse/time", Map.of("Last-Event-ID", String.valueOf(latest)))
            .compose(stream -> stream.until(t -> t.startsWith(": ")).compose(opened -> {
              ctx.verify(() -> assertTrue(events(opened).isEmpty(), "nothing old again: " + opened));
              clock.advanceToNext(SLOW);
              return stream.until(t -> !events(t).isEmpty());
            }).map(text -> {
              ctx.verify(() -> assertEquals(List.of(latest + SLOW), events(text), "the next tick: " + text));
              stream.close();
              return null;
            }));
        return Future.all(behind, current);
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void sseSendsAHeartbeatCommentWhileNoTickComes(Vertx vertx, VertxTestContext ctx) {
    node(vertx, 3_600_000, new JsonObject().put("sse", new JsonObject().put("heartbeatMs", 150)))
        .compose(s -> new HttpProbe(vertx, s.port()).stream("/sse/time", Map.of()))
        .compose(stream -> stream.until(t -> t.split(": ping\n\n", -1).length - 1 >= 3).map(text -> {
          ctx.verify(() -> assertTrue(events(text).isEmpty(), "no tick in the meantime"));
          return text;
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void sockJsWebSocketTransportOpensThenPushesTicksAsArrayFrames(Vertx vertx, VertxTestContext ctx) {
    List<String> frames = new ArrayList<>();
    node(vertx, 300, new JsonObject()).compose(s -> s.connect("/sockjs/time/000/abc/websocket"))
        .onComplete(ctx.succeeding(ws -> ws.textMessageHandler(text -> {
          frames.add(text);
          if (frames.size() < 3) {
            return;
          }
          ctx.verify(() -> {
            assertEquals("o", frames.get(0), "SockJS open frame");
            for (String frame : frames.subList(1, 3)) {
              assertTrue(frame.startsWith("a["), frame);
              JsonArray messages = new JsonArray(frame.substring(1));
              assertEquals(1, messages.size());
              assertTick(new JsonObject(messages.getString(0)));
            }
          });
          ws.close();
          ctx.completeNow();
        })));
  }

  @Test
  void sockJsRawWebSocketTransportPushesPlainTickJson(Vertx vertx, VertxTestContext ctx) {
    node(vertx, 300, new JsonObject()).compose(s -> s.connect("/sockjs/time/websocket"))
        .onComplete(ctx.succeeding(ws -> ws.textMessageHandler(text -> {
          ctx.verify(() -> assertTick(new JsonObject(text)));
          ws.close();
          ctx.completeNow();
        })));
  }

  @Test
  void sockJsXhrPollingSessionOpensThenGetsTicks(Vertx vertx, VertxTestContext ctx) {
    node(vertx, 300, new JsonObject()).compose(s -> {
      HttpProbe probe = new HttpProbe(vertx, s.port());
      String session = "/sockjs/time/000/" + System.nanoTime() + "/xhr";
      return probe.send(HttpMethod.POST, session, Map.of(), "").compose(open -> {
        ctx.verify(() -> assertEquals("o\n", open.body()));
        return probe.send(HttpMethod.POST, session + "_send", Map.of(), "[\"ignored\"]").compose(sent -> {
          ctx.verify(() -> assertEquals(204, sent.status(), "a message sent is taken (and ignored)"));
          return pollUntilMessage(probe, session, 10);
        });
      });
    }).onComplete(ctx.succeeding(frame -> ctx.verify(() -> {
      JsonArray messages = new JsonArray(frame.substring(1).trim());
      assertTick(new JsonObject(messages.getString(0)));
      ctx.completeNow();
    })));
  }

  private static Future<String> pollUntilMessage(HttpProbe probe, String session, int left) {
    return probe.send(HttpMethod.POST, session, Map.of(), "").compose(r -> r.body().startsWith("a[") || left == 0
        ? Future.succeededFuture(r.body()) : pollUntilMessage(probe, session, left - 1));
  }

  @Test
  void oneHubFeedsEveryTransportTheSameTicks(Vertx vertx, VertxTestContext ctx) {
    node(vertx, 300, new JsonObject()).compose(s -> {
      HttpProbe probe = new HttpProbe(vertx, s.port());
      Future<WebSocket> ws = s.connect("/ws/time");
      Future<HttpProbe.Stream> sse = probe.stream("/sse/time", Map.of());
      return Future.all(ws, sse).compose(all -> {
        List<Long> overWs = new ArrayList<>();
        ws.result().textMessageHandler(t -> overWs.add(new JsonObject(t).getLong("ts")));
        return sse.result().until(t -> events(t).size() >= 4).map(text -> {
          List<Long> overSse = events(text);
          ctx.verify(() -> assertTrue(overSse.containsAll(overWs.subList(0, Math.min(2, overWs.size())))
              && overWs.size() >= 2, "ws " + overWs + " sse " + overSse));
          return text;
        });
      }).compose(v -> s.stats()).map(stats -> {
        ctx.verify(() -> assertEquals(2L, stats.getJsonObject("subscribers").getLong("time"), stats.encode()));
        return stats;
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  /** The ids of the events in a stream's text. */
  static List<Long> events(String text) {
    List<Long> ids = new ArrayList<>();
    Matcher m = EVENT.matcher(text);
    while (m.find()) {
      ids.add(Long.parseLong(m.group(1)));
    }
    return ids;
  }
}
