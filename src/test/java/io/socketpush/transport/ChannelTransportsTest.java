package io.socketpush.transport;

import io.socketpush.Await;
import io.socketpush.TestClock;
import io.socketpush.TestService;
import io.socketpush.channel.ProtocolClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Channels over Server-Sent Events and SockJS: the formats, recovery, the rules of every transport, drain. */
@ExtendWith(VertxExtension.class)
class ChannelTransportsTest {
  private static final String SECRET = "channel-transports-secret-long-enough-for-hs256";
  private Vertx vertx;
  private TestService service;
  private HttpProbe probe;

  private void start(Vertx vertx, JsonObject conf) {
    start(vertx, conf, new TestClock());
  }

  private void start(Vertx vertx, JsonObject conf, TestClock clock) {
    this.vertx = vertx;
    JsonObject base = new JsonObject()
        .put("tick", new JsonObject().put("periodMs", 3_600_000)) // no ticks: the channels are what is tested
        .put("security", new JsonObject().put("jwt", new JsonObject().put("secret", SECRET)))
        .put("shutdown", new JsonObject().put("graceMs", 8000));
    service = Await.result(TestService.start(vertx, base.mergeIn(conf, true), clock), 20);
    probe = new HttpProbe(vertx, service.port());
  }

  /** One server-sent event. */
  record Event(String event, String id, String data) {
  }

  /** The whole events of a stream's text so far; comments are left out. */
  static List<Event> events(String text) {
    List<Event> events = new ArrayList<>();
    int end = text.lastIndexOf("\n\n");
    for (String block : end < 0 ? new String[0] : text.substring(0, end).split("\n\n")) {
      String event = "message";
      String id = null;
      String data = null;
      for (String line : block.split("\n")) {
        if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        }
      }
      if (data != null) {
        events.add(new Event(event, id, data));
      }
    }
    return events;
  }

  private static List<Event> publications(String text) {
    return events(text).stream().filter(e -> e.event().equals("message")).toList();
  }

  private HttpProbe.Stream stream(String path, Map<String, String> headers) {
    return Await.result(probe.stream(path, headers), 10);
  }

  /** Waits for the first event of a channel stream, which must be its subscribe result. */
  private static Event subscribed(HttpProbe.Stream stream) {
    Event first = events(Await.result(stream.until(t -> !events(t).isEmpty()), 10)).get(0);
    assertEquals("subscribed", first.event(), first.toString());
    return first;
  }

  private static List<Event> untilPublications(HttpProbe.Stream stream, int count) {
    return publications(Await.result(stream.until(t -> publications(t).size() >= count), 10));
  }

  private long publish(String channel, String json) {
    HttpProbe.Reply reply = Await.result(probe.send(HttpMethod.POST, "/api/channels/" + channel, Map.of(), json), 10);
    assertEquals(202, reply.status(), reply.body());
    return new JsonObject(reply.body()).getLong("seq");
  }

  private int status(String path, Map<String, String> headers) {
    return Await.result(probe.get(path, headers), 10).status();
  }

  @Test
  void sseOpensWithTheSubscribeResultThenEachPublicationWithItsEpochAndSeqAsId(Vertx vertx) {
    start(vertx, new JsonObject());
    HttpProbe.Stream stream = stream("/sse/channels/chat:sse?name=ann", Map.of());
    assertEquals("text/event-stream", stream.response.getHeader("Content-Type"));
    Event first = subscribed(stream);
    JsonObject result = new JsonObject(first.data());
    String epoch = result.getString("epoch");
    assertEquals("chat:sse", result.getString("channel"));
    assertEquals(0, result.getLong("seq"));
    assertFalse(epoch.isEmpty());
    assertFalse(result.containsKey("recovered"), "no position given, nothing to recover");
    assertEquals(epoch + "-0", first.id(), "where the stream stands, for an EventSource that reconnects early");

    assertEquals(1, publish("chat:sse", "{\"text\":\"hi\"}"));
    assertEquals(2, publish("chat:sse", "\"two\""));
    List<Event> got = untilPublications(stream, 2);
    assertEquals(epoch + "-1", got.get(0).id());
    assertEquals(new JsonObject().put("channel", "chat:sse").put("seq", 1).put("data", new JsonObject().put("text", "hi")),
        new JsonObject(got.get(0).data()), "the same JSON as on /ws");
    assertEquals(epoch + "-2", got.get(1).id());
    Event joined = events(stream.text()).stream().filter(e -> e.event().equals("join")).findFirst().orElseThrow();
    assertEquals("ann", new JsonObject(joined.data()).getString("name"), "presence: its own join, the client's JSON");
    assertNull(joined.id(), "presence events are not numbered");
    stream.close();
  }

  @Test
  void sseRecoversExactlyWhatItMissedFromLastEventId(Vertx vertx) throws Exception {
    start(vertx, new JsonObject());
    HttpProbe.Stream before = stream("/sse/channels/comments:r", Map.of());
    String epoch = new JsonObject(subscribed(before).data()).getString("epoch");
    publish("comments:r", "1");
    assertEquals(epoch + "-1", untilPublications(before, 1).get(0).id());
    before.close();
    publish("comments:r", "2");
    publish("comments:r", "3");

    HttpProbe.Stream back = stream("/sse/channels/comments:r", Map.of("Last-Event-ID", epoch + "-1"));
    Event first = subscribed(back);
    JsonObject result = new JsonObject(first.data());
    assertTrue(result.getBoolean("recovered"), first.data());
    assertEquals(3, result.getLong("seq"));
    assertEquals(epoch + "-1", first.id(), "still where the client was: the missed ones follow");
    publish("comments:r", "4");
    List<Event> got = untilPublications(back, 3);
    assertEquals(List.of(epoch + "-2", epoch + "-3", epoch + "-4"), got.stream().map(Event::id).toList());
    publish("comments:r", "\"sentinel\"");
    assertEquals(List.of(epoch + "-2", epoch + "-3", epoch + "-4", epoch + "-5"),
        untilPublications(back, 4).stream().map(Event::id).toList(), "no duplicate: the sentinel comes next");

    HttpProbe.Stream byQuery = stream("/sse/channels/comments:r?lastEventId=" + epoch + "-5", Map.of());
    assertTrue(new JsonObject(subscribed(byQuery).data()).getBoolean("recovered"));
    publish("comments:r", "6");
    assertEquals(List.of(epoch + "-6"), untilPublications(byQuery, 1).stream().map(Event::id).toList());
    back.close();
    byQuery.close();
  }

  @Test
  void sseSaysRecoveredFalseWithoutEnoughHistoryAndReplaysNothing(Vertx vertx) throws Exception {
    start(vertx, new JsonObject().put("channels", new JsonObject().put("rules", new JsonArray()
        .add(new JsonObject().put("pattern", "chat:*").put("publish", "anyone").put("historySize", 2)))));
    HttpProbe.Stream first = stream("/sse/channels/chat:short", Map.of());
    String epoch = new JsonObject(subscribed(first).data()).getString("epoch");
    first.close();
    for (int i = 1; i <= 5; i++) {
      publish("chat:short", String.valueOf(i));
    }
    HttpProbe.Stream back = stream("/sse/channels/chat:short", Map.of("Last-Event-ID", epoch + "-1"));
    Event gone = subscribed(back);
    assertFalse(new JsonObject(gone.data()).getBoolean("recovered"));
    assertEquals(5, new JsonObject(gone.data()).getLong("seq"));
    assertEquals(epoch + "-5", gone.id(), "from now on: the client was told what it lost");
    HttpProbe.Stream otherEpoch = stream("/sse/channels/chat:short", Map.of("Last-Event-ID", "not-the-epoch-4"));
    assertFalse(new JsonObject(subscribed(otherEpoch).data()).getBoolean("recovered"), "the numbers restarted");
    publish("chat:short", "\"sentinel\"");
    assertEquals(List.of(epoch + "-6"), untilPublications(back, 1).stream().map(Event::id).toList(),
        "nothing partial is replayed: the sentinel is the first publication");
    back.close();
    otherEpoch.close();
  }

  @Test
  void sseWithRecentSendsTheLastPublicationsAfterTheSubscribedEvent(Vertx vertx) {
    start(vertx, new JsonObject());
    for (int i = 1; i <= 5; i++) {
      publish("chat:recent", "\"m" + i + "\"");
    }
    HttpProbe.Stream stream = stream("/sse/channels/chat:recent?recent=2", Map.of());
    Event first = subscribed(stream);
    assertEquals(5, new JsonObject(first.data()).getLong("seq"));
    assertEquals(2, new JsonObject(first.data()).getInteger("recent"));
    assertTrue(first.id().endsWith("-3"), "before the recent ones, so an early reconnect still gets them: " + first.id());
    publish("chat:recent", "\"m6\"");
    List<Event> got = untilPublications(stream, 3);
    assertEquals(List.of(4L, 5L, 6L), got.stream().map(e -> new JsonObject(e.data()).getLong("seq")).toList());
    stream.close();
    assertEquals(400, status("/sse/channels/chat:recent?recent=many", Map.of()));
  }

  @Test
  void sseRefusesBeforeTheStreamStarts(Vertx vertx) {
    start(vertx, new JsonObject()
        .put("limits", new JsonObject().put("maxConnections", 1))
        .put("channels", new JsonObject().put("rules", new JsonArray()
            .add(new JsonObject().put("pattern", "secret:*").put("subscribe", "nobody"))
            .add(new JsonObject().put("pattern", "vip:*").put("subscribe", "authenticated")))));
    assertEquals(404, status("/sse/channels/nowhere:1", Map.of()), "no rule matches");
    assertEquals(400, status("/sse/channels/bad%20name!", Map.of()));
    assertEquals(403, status("/sse/channels/secret:x", Map.of()), "the rule allows nobody");
    assertEquals(401, status("/sse/channels/vip:x", Map.of()), "the rule wants a token");
    HttpProbe.Reply foreign = Await.result(probe.get("/sse/channels/vip:x", Map.of("Origin", "https://evil.example")), 10);
    assertEquals(403, foreign.status());
    assertEquals("origin not allowed", foreign.body());

    String token = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)))
        .generateToken(new JsonObject().put("sub", "vera"), new JWTOptions());
    HttpProbe.Stream vip = stream("/sse/channels/vip:x?token=" + token, Map.of());
    subscribed(vip);
    assertEquals(503, status("/sse/channels/vip:y?token=" + token, Map.of()), "the one slot is taken: the transport's limit");
    JsonObject refused = Await.result(service.stats(), 10).getJsonObject("handshakesRefused");
    for (String reason : new String[] {"unknown channel", "bad channel name", "channel not allowed", "channel needs a token"}) {
      assertEquals(1L, refused.getLong(reason), reason + " in " + refused);
    }
    vip.close();
  }

  @Test
  void sockJsXhrPollingSubscribesPublishesAndReceives(Vertx vertx) throws Exception {
    start(vertx, new JsonObject());
    SockJsChannelClient client = SockJsChannelClient.xhrPolling(probe, "?name=xena");
    JsonObject subscribed = client.call(new JsonObject().put("op", "subscribe").put("channel", "chat:xhr"));
    assertEquals(0, subscribed.getJsonObject("result").getLong("seq"), subscribed.encode());
    JsonObject published = client.call(new JsonObject().put("op", "publish").put("channel", "chat:xhr").put("data", "over xhr"));
    assertEquals(1, published.getJsonObject("result").getLong("seq"), published.encode());
    assertEquals(new JsonObject().put("channel", "chat:xhr").put("seq", 1).put("data", "over xhr"), client.nextPublication(5000));
  }

  @Test
  void sockJsWebSocketTransportsSpeakTheProtocolFramedAndRaw(Vertx vertx) throws Exception {
    start(vertx, new JsonObject());
    SockJsChannelClient framed = SockJsChannelClient.webSocket(service, "");
    assertEquals(0, framed.call(new JsonObject().put("op", "subscribe").put("channel", "chat:sws")).getJsonObject("result").getLong("seq"));
    ProtocolClient raw = ProtocolClient.connect(vertx, service.port(), "/sockjs/channels/websocket");
    assertNull(raw.subscribe("chat:sws").getValue("error"));
    assertEquals(1, framed.call(new JsonObject().put("op", "publish").put("channel", "chat:sws").put("data", 1))
        .getJsonObject("result").getLong("seq"));
    assertEquals(1, framed.nextPublication(5000).getLong("seq"));
    assertEquals(1, raw.nextPublication(5000).getLong("seq"));
    raw.close();
  }

  @Test
  void aPublicationOnWsReachesSubscribersOnSseAndSockJs(Vertx vertx) throws Exception {
    start(vertx, new JsonObject());
    HttpProbe.Stream sse = stream("/sse/channels/comments:all", Map.of());
    subscribed(sse);
    SockJsChannelClient xhr = SockJsChannelClient.xhrPolling(probe, "");
    SockJsChannelClient ws = SockJsChannelClient.webSocket(service, "");
    for (SockJsChannelClient c : List.of(xhr, ws)) {
      assertNotNull(c.call(new JsonObject().put("op", "subscribe").put("channel", "comments:all")).getJsonObject("result"));
    }
    ProtocolClient publisher = ProtocolClient.connect(vertx, service.port(), "/ws");
    assertEquals(1, publisher.publish("comments:all", new JsonObject().put("text", "everywhere"))
        .getJsonObject("result").getLong("seq"));
    JsonObject expected = new JsonObject().put("channel", "comments:all").put("seq", 1)
        .put("data", new JsonObject().put("text", "everywhere"));
    assertEquals(expected, new JsonObject(untilPublications(sse, 1).get(0).data()), "over SSE");
    assertEquals(expected, xhr.nextPublication(5000), "over SockJS xhr-polling");
    assertEquals(expected, ws.nextPublication(5000), "over the SockJS WebSocket");

    JsonObject stats = Await.result(service.stats(), 10);
    assertEquals(1L, stats.getJsonObject("socketsOpen").getLong("sse-channels"), stats.encode());
    assertEquals(2L, stats.getJsonObject("socketsOpen").getLong("sockjs-channels"), stats.encode());
    assertEquals(3L, stats.getJsonObject("subscribers").getLong("comments:*"), "SSE and SockJS subscribers are in the hub: " + stats);
    sse.close();
    publisher.close();
  }

  @Test
  void anSseStreamAndASockJsSessionEndWhenTheirTokenExpires(Vertx vertx) {
    TestClock clock = new TestClock();
    start(vertx, new JsonObject(), clock);
    long exp = System.currentTimeMillis() / 1000 + 3600;
    String token = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)))
        .generateToken(new JsonObject().put("sub", "eve").put("exp", exp), new JWTOptions());
    HttpProbe.Stream sse = stream("/sse/channels/chat:expiring?token=" + token, Map.of());
    subscribed(sse);
    SockJsChannelClient xhr = SockJsChannelClient.xhrPolling(probe, "?token=" + token);
    assertNotNull(xhr.call(new JsonObject().put("op", "subscribe").put("channel", "chat:expiring")).getJsonObject("result"));
    assertFalse(sse.ended().isComplete(), "open while the token is valid");

    // the token's hour passes on the node's clock: the expiry check (once a second) ends both
    clock.advance(Duration.ofMillis(exp * 1000 - clock.millis()));
    Await.result(sse.ended(), 10);
    assertEquals(3000, Await.result(xhr.closed(), 10), "vertx-web's HTTP sessions close with c[3000,\"Go away!\"] whatever the code");
    JsonObject stats = Await.result(service.stats(), 10);
    assertEquals(2L, stats.getJsonObject("socketsClosedByCode").getLong("1008"), "both counted as 1008: " + stats);
    assertEquals(0L, stats.getJsonObject("socketsOpen").getLong("sse-channels"), stats.encode());
    assertEquals(0L, stats.getJsonObject("socketsOpen").getLong("sockjs-channels"), stats.encode());
  }

  @Test
  void aSockJsSessionIsOnlyReachableOnThePathThatOpenedIt(Vertx vertx) {
    start(vertx, new JsonObject());
    String id = String.valueOf(System.nanoTime());
    HttpProbe.Reply open = Await.result(probe.send(HttpMethod.POST, "/sockjs/time/000/" + id + "/xhr", Map.of(), ""), 10);
    assertEquals("o\n", open.body());
    String subscribe = new JsonArray().add(new JsonObject().put("id", 1).put("op", "subscribe").put("channel", "chat:x").encode()).encode();
    assertEquals(404, Await.result(probe.send(HttpMethod.POST, "/sockjs/channels/000/" + id + "/xhr_send", Map.of(), subscribe), 10).status(),
        "vertx-web keeps both paths' sessions in one map: a send must not reach the other path's session");
    assertEquals(404, Await.result(probe.send(HttpMethod.POST, "/sockjs/channels/000/" + id + "/xhr", Map.of(), ""), 10).status());
    assertEquals(204, Await.result(probe.send(HttpMethod.POST, "/sockjs/time/000/" + id + "/xhr_send", Map.of(), "[\"x\"]"), 10).status(),
        "on its own path the session is there");

    SockJsChannelClient channels = SockJsChannelClient.xhrPolling(probe, "");
    assertNotNull(channels.call(new JsonObject().put("op", "ping")).getJsonObject("result"));
    String onTime = channels.session().replace("/sockjs/channels/", "/sockjs/time/");
    assertEquals(404, Await.result(probe.send(HttpMethod.POST, onTime + "/xhr", Map.of(), ""), 10).status(), "nor the other way round");
  }

  @Test
  void messagesBatchedInOneSockJsFrameCountEachAgainstTheRequestLimit(Vertx vertx) {
    start(vertx, new JsonObject().put("channels", new JsonObject().put("requestsPerSecond", 5)));
    SockJsChannelClient ws = SockJsChannelClient.webSocket(service, "");
    JsonArray batch = new JsonArray();
    for (int i = 0; i < 20; i++) {
      batch.add(new JsonObject().put("id", i).put("op", "ping").encode());
    }
    ws.sendFrame(batch.encode());
    assertEquals(1008, Await.result(ws.closed(), 10));
  }

  @Test
  void drainEndsChannelStreamsAndClosesChannelSessions(Vertx vertx) {
    start(vertx, new JsonObject());
    HttpProbe.Stream sse = stream("/sse/channels/chat:drain", Map.of());
    subscribed(sse);
    SockJsChannelClient xhr = SockJsChannelClient.xhrPolling(probe, "");
    SockJsChannelClient ws = SockJsChannelClient.webSocket(service, "");
    long start = System.currentTimeMillis();
    Await.result(Future.all(service.app().shutdown(), sse.ended()), 10);
    assertTrue(System.currentTimeMillis() - start < 3000, "drained well within the grace time");
    assertEquals(1001, Await.result(ws.closed(), 5), "the SockJS WebSocket");
    int xhrClose = Await.result(xhr.closed(), 5);
    // vertx-web closes an HTTP session with SockJS's "go away" whatever the code; or the server was gone first
    assertTrue(List.of(3000, 1006).contains(xhrClose), "the xhr session: " + xhrClose);
    JsonObject open = service.app().node().stats().toJson().getJsonObject("socketsOpen");
    assertEquals(0L, open.getLong("sse-channels"), open.encode());
    assertEquals(0L, open.getLong("sockjs-channels"), open.encode());
  }
}
