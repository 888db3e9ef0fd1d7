package io.socketpush.transport;

import io.socketpush.time.TimeAddresses;

import io.socketpush.TestService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WebSocket rules on the HTTP transports: origin, token, connection limits, drain, metrics. */
@ExtendWith(VertxExtension.class)
class TransportRulesTest {
  private static final String SECRET = "transport-test-secret-long-enough-for-hs256";
  private static final Map<String, String> FOREIGN = Map.of("Origin", "https://evil.example");
  /** Far in the future: a long-poll after it is always held. */
  private static final String HELD = "/api/time/next?after=" + Long.MAX_VALUE / 2;

  private static Future<TestService> node(Vertx vertx, JsonObject conf) {
    return TestService.start(vertx, conf);
  }

  @Test
  void aForeignOriginGets403OnEveryTransport(Vertx vertx, VertxTestContext ctx) {
    node(vertx, new JsonObject()).compose(s -> {
      HttpProbe probe = new HttpProbe(vertx, s.port());
      return Future.all(java.util.List.of(
              probe.get("/sse/time", FOREIGN),
              probe.get(HELD, FOREIGN),
              probe.get("/api/time/next", FOREIGN),
              probe.get("/api/time", FOREIGN),
              probe.send(HttpMethod.POST, "/sockjs/time/000/evil/xhr", FOREIGN, "")))
          .compose(all -> {
            ctx.verify(() -> {
              for (int i = 0; i < all.size(); i++) {
                HttpProbe.Reply reply = all.resultAt(i);
                assertEquals(403, reply.status(), "request " + i + ": " + reply.body());
                assertEquals("origin not allowed", reply.body());
              }
            });
            return upgrade(vertx, s, "/sockjs/time/000/evil/websocket", "https://evil.example")
                .transform(ar -> {
                  ctx.verify(() -> assertTrue(ar.failed() && ar.cause().getMessage().contains("403"), String.valueOf(ar.cause())));
                  return s.stats();
                });
          })
          .map(stats -> {
            ctx.verify(() -> assertTrue(stats.getJsonObject("handshakesRefused").getLong("origin not allowed") >= 6, stats.encode()));
            return stats;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void theServicesOwnPageIsAllowed(Vertx vertx, VertxTestContext ctx) {
    node(vertx, new JsonObject()).compose(s -> new HttpProbe(vertx, s.port())
            .stream("/sse/time", Map.of("Origin", "http://127.0.0.1:" + s.port())))
        .onComplete(ctx.succeeding(stream -> {
          stream.close();
          ctx.completeNow();
        }));
  }

  @Test
  void aRequiredTokenIsCheckedOnEveryTransport(Vertx vertx, VertxTestContext ctx) {
    JsonObject conf = new JsonObject().put("security", new JsonObject().put("jwt",
        new JsonObject().put("required", true).put("secret", SECRET)));
    String token = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)))
        .generateToken(new JsonObject().put("sub", "alice"), new JWTOptions());
    node(vertx, conf).compose(s -> {
      HttpProbe probe = new HttpProbe(vertx, s.port());
      Future<HttpProbe.Reply> sseWithout = probe.get("/sse/time", Map.of());
      Future<HttpProbe.Reply> pollWithout = probe.get("/api/time", Map.of());
      Future<HttpProbe.Reply> longPollBad = probe.get(HELD, Map.of("Authorization", "Bearer not.a.jwt"));
      Future<HttpProbe.Reply> pollWithQuery = probe.get("/api/time?token=" + token, Map.of());
      Future<HttpProbe.Reply> sockJsWithout = probe.send(HttpMethod.POST, "/sockjs/time/000/anon/xhr", Map.of(), "");
      Future<HttpProbe.Stream> sseWithHeader = probe.stream("/sse/time", Map.of("Authorization", "Bearer " + token));
      return Future.all(java.util.List.of(sseWithout, pollWithout, longPollBad, pollWithQuery, sockJsWithout, sseWithHeader))
          .map(all -> {
            ctx.verify(() -> {
              assertEquals(401, sseWithout.result().status());
              assertEquals("token missing", sseWithout.result().body());
              assertEquals(401, pollWithout.result().status());
              assertEquals(401, longPollBad.result().status());
              assertEquals("token invalid", longPollBad.result().body());
              assertTrue(pollWithQuery.result().status() == 200 || pollWithQuery.result().status() == 204);
              assertEquals(401, sockJsWithout.result().status());
            });
            sseWithHeader.result().close();
            return all;
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void longLivedTransportsCountAgainstTheConnectionLimit(Vertx vertx, VertxTestContext ctx) {
    JsonObject conf = new JsonObject().put("limits", new JsonObject().put("maxConnections", 2));
    node(vertx, conf).compose(s -> {
      HttpProbe probe = new HttpProbe(vertx, s.port());
      return probe.stream("/sse/time", Map.of()).compose(sse -> {
        Future<HttpProbe.Reply> held = probe.get(HELD, Map.of()); // the second slot, held
        return vertx.timer(200)
            .compose(v -> Future.all(probe.get("/sse/time", Map.of()), probe.get(HELD, Map.of()),
                s.connect("/ws/time").transform(ar -> Future.succeededFuture(ar.failed() ? ar.cause().getMessage() : "opened"))))
            .compose(full -> {
              ctx.verify(() -> {
                assertEquals(503, ((HttpProbe.Reply) full.resultAt(0)).status(), "a third stream");
                assertEquals(503, ((HttpProbe.Reply) full.resultAt(1)).status(), "a third held long-poll");
                assertTrue(((String) full.resultAt(2)).contains("503"), "a WebSocket: " + full.resultAt(2));
              });
              sse.close(); // gives its slot back
              return vertx.timer(200);
            })
            .compose(v -> probe.stream("/sse/time", Map.of()))
            .map(again -> {
              again.close();
              return held;
            });
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void drainAnswersHeldLongPollsEndsStreamsAndClosesSockJs(Vertx vertx, VertxTestContext ctx) {
    JsonObject conf = new JsonObject().put("shutdown", new JsonObject().put("graceMs", 8000))
        .put("tick", new JsonObject().put("periodMs", 300));
    node(vertx, conf).compose(s -> {
      HttpProbe probe = new HttpProbe(vertx, s.port());
      Future<HttpProbe.Reply> held = probe.get(HELD, Map.of());
      Future<HttpProbe.Stream> sse = probe.stream("/sse/time", Map.of());
      Future<WebSocket> sockJsWs = s.connect("/sockjs/time/000/drain/websocket");
      String xhr = "/sockjs/time/000/drain" + System.nanoTime() + "/xhr";
      Future<HttpProbe.Reply> sockJsOpen = probe.send(HttpMethod.POST, xhr, Map.of(), "");
      return Future.all(sse, sockJsWs, sockJsOpen).compose(open -> vertx.timer(400)).compose(v -> {
        Promise<Short> wsClosed = Promise.promise();
        sockJsWs.result().closeHandler(x -> wsClosed.tryComplete(sockJsWs.result().closeStatusCode()));
        // a session between two polls may see the server go before its close frame (the connection closed,
        // or reset when the server went with the poll unread): either will do
        Future<HttpProbe.Reply> xhrPoll = drainPoll(probe, xhr)
            .recover(err -> err instanceof HttpClosedException || err instanceof java.net.SocketException
                ? Future.succeededFuture(null) : Future.failedFuture(err));
        long start = System.currentTimeMillis();
        return Future.all(s.app().shutdown().map(x -> System.currentTimeMillis() - start), held, sse.result().ended(),
                wsClosed.future(), xhrPoll)
            .map(all -> {
              ctx.verify(() -> {
                long tookMs = all.resultAt(0);
                assertTrue(tookMs < 3000, "drained in " + tookMs + " ms, not at the end of the grace time");
                assertEquals(204, held.result().status(), "a held long-poll is answered");
                assertEquals((short) 1001, (Short) all.resultAt(3), "SockJS WebSocket");
                assertTrue(xhrPoll.result() == null || xhrPoll.result().body().startsWith("c["), "SockJS session closed");
                JsonObject open = s.app().node().stats().toJson().getJsonObject("socketsOpen");
                for (String endpoint : new String[] {"sse", "longpoll", "sockjs"}) {
                  assertEquals(0L, open.getLong(endpoint), endpoint + " still open: " + open);
                }
              });
              return all;
            });
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  /** Polls a SockJS xhr session until it answers with its close frame. */
  private static Future<HttpProbe.Reply> drainPoll(HttpProbe probe, String xhr) {
    return probe.send(HttpMethod.POST, xhr, Map.of(), "")
        .compose(r -> r.body().startsWith("c[") || r.status() != 200 ? Future.succeededFuture(r) : drainPoll(probe, xhr));
  }

  @Test
  void eachTransportHasItsOwnMeters(Vertx vertx, VertxTestContext ctx) {
    node(vertx, new JsonObject().put("tick", new JsonObject().put("periodMs", 200))).compose(s -> {
      HttpProbe probe = new HttpProbe(vertx, s.port());
      return probe.stream("/sse/time", Map.of())
          .compose(sse -> sse.until(t -> HttpTransportsTest.events(t).size() >= 2).map(t -> sse))
          .compose(sse -> probe.get("/api/time/next?after=0", Map.of()).compose(r -> probe.get("/api/time", Map.of()))
              .compose(r -> probe.get("/metrics", Map.of())).map(metrics -> {
                ctx.verify(() -> {
                  String text = metrics.body();
                  assertTrue(text.contains("socketpush_sockets_open{endpoint=\"sse\"} 1.0"), "open SSE streams");
                  for (String endpoint : new String[] {"sse", "longpoll", "poll"}) {
                    assertTrue(text.contains("socketpush_messages_out_total{endpoint=\"" + endpoint + "\"}"), endpoint);
                  }
                });
                sse.close();
                return metrics;
              }));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aSlowSseStreamIsSkippedThenClosedWithoutDelayingOthers(Vertx vertx, VertxTestContext ctx) {
    JsonObject conf = new JsonObject()
        .put("tick", new JsonObject().put("periodMs", 3_600_000)) // the test publishes the ticks itself
        .put("ws", new JsonObject().put("writeQueueMaxBytes", 1024).put("slowConsumerCloseMs", 500));
    String pad = "x".repeat(8 * 1024);
    long[] lastTs = {0};
    node(vertx, conf).compose(s -> {
      HttpProbe probe = new HttpProbe(vertx, s.port());
      return Future.all(probe.stream("/sse/time", Map.of()), probe.slowStream("/sse/time")).compose(both -> {
        HttpProbe.Stream fast = both.resultAt(0);
        HttpProbe.Stream slow = both.resultAt(1);
        slow.response.pause(); // reads nothing from now on: its TCP window and then the server's queue fill
        Promise<Void> slowClosed = Promise.promise();
        slow.response.request().connection().closeHandler(v -> slowClosed.tryComplete());
        long publisher = vertx.setPeriodic(4, t -> {
          // one tick per period, as the fan-out delivers at most one: the ts of the following boundaries
          long ts = lastTs[0] == 0 ? System.currentTimeMillis() / 3_600_000 * 3_600_000 + 3_600_000 : lastTs[0] + 3_600_000;
          lastTs[0] = ts;
          vertx.eventBus().publish(TimeAddresses.TIME_TICKS, new JsonObject().put("time", "t").put("ts", ts).put("pad", pad));
        });
        return closedWith1008(vertx, s, 100)
            .compose(v -> {
              vertx.cancelTimer(publisher);
              slow.response.resume(); // reads what was queued, then sees the connection closed
              return slowClosed.future();
            })
            .compose(v -> s.stats())
            .map(stats -> {
              ctx.verify(() -> {
                assertTrue(stats.getLong("ticksSkippedSlow") > 0, stats.encode());
                assertEquals(1L, stats.getJsonObject("socketsOpen").getLong("sse"), "only the fast stream is left");
                assertEquals(1L, stats.getJsonObject("socketsClosedByCode").getLong("1008"), stats.encode());
                long got = HttpTransportsTest.events(fast.text()).size();
                assertTrue(got >= 100, "the fast stream got " + got + " ticks meanwhile");
              });
              fast.close();
              return stats;
            });
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Void> closedWith1008(Vertx vertx, TestService s, int triesLeft) {
    return s.stats().compose(stats -> stats.getJsonObject("socketsClosedByCode").containsKey("1008") || triesLeft == 0
        ? Future.succeededFuture() : vertx.timer(50).compose(v -> closedWith1008(vertx, s, triesLeft - 1)));
  }

  private static Future<WebSocket> upgrade(Vertx vertx, TestService s, String path, String origin) {
    var client = vertx.createWebSocketClient();
    TestService.keepReachable(vertx, client);
    return client.connect(new WebSocketConnectOptions().setHost(TestService.HOST).setPort(s.port()).setURI(path)
        .addHeader("Origin", origin).setAllowOriginHeader(true));
  }
}
