package io.socketpush.channel;

import io.socketpush.Await;
import io.socketpush.TestService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bounds of issue #11 on channels, reproduced the way they were found: a flood of distinct names over
 * REST and over short-lived sockets (defect 2), join/leave churn in a room with members (defect 7). Each
 * shows the node still serving another client, and the channel count back near its baseline.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ChannelBoundsTest {
  private static final int MAX_CHANNELS = 500;
  private final ProtocolClients clients = new ProtocolClients();
  private Vertx vertx;
  private TestService service;

  /** Small bounds, and a chat history that expires within the test, so memory can be seen coming back. */
  private void start(Vertx vertx, JsonObject channels) {
    this.vertx = vertx;
    JsonObject conf = new JsonObject().put("channels", new JsonObject()
        .put("maxChannels", MAX_CHANNELS).put("idleTimeoutMs", 500).put("requestsPerSecond", 10_000)
        .put("rules", new JsonArray().add(new JsonObject().put("pattern", "chat:*").put("publish", "anyone")
            .put("historySize", 10).put("historyTtlMs", 1000).put("presence", true)))
        .mergeIn(channels))
        .put("limits", new JsonObject().put("apiPublishesPerSecondPerIp", 0)); // the floods come from one address
    service = Await.result(TestService.start(vertx, conf), 20);
  }

  private ProtocolClient client() {
    return clients.connect(vertx, service.port(), "/ws");
  }

  @AfterEach
  void closeClients() {
    clients.closeAll();
  }

  private JsonObject channels() {
    return Await.result(service.stats(), 10).getJsonObject("channels");
  }

  private long held() {
    return channels().getLong("held");
  }

  private static JsonObject result(JsonObject reply) {
    assertNull(reply.getValue("error"), reply.encode());
    return reply.getJsonObject("result");
  }

  @Test
  void aFloodOfDistinctNamesOverRestStaysUnderMaxChannelsAndIsForgottenWhileARoomGoesOn(Vertx vertx) throws Exception {
    start(vertx, new JsonObject());
    long baseline = held();
    ProtocolClient member = client();
    JsonObject at = result(member.subscribe("chat:lobby"));
    assertEquals(1, result(member.publish("chat:lobby", "before")).getLong("seq"));

    int names = MAX_CHANNELS * 6;
    List<Integer> statuses = postEach(names, i -> "chat:flood-" + i);
    assertEquals(names, statuses.stream().filter(s -> s == 202).count(), "anonymous publications are taken: idle channels make room");
    assertTrue(held() <= MAX_CHANNELS, "held " + held() + " of at most " + MAX_CHANNELS);
    JsonObject after = channels();
    assertTrue(after.getLong("evicted") + after.getLong("forgottenIdle") >= names - MAX_CHANNELS, after.encode());

    assertEquals(2, result(member.publish("chat:lobby", "after")).getLong("seq"), "the room with a member was never evicted");
    assertEquals("before", member.nextPublication(5000).getString("data"));
    assertEquals("after", member.nextPublication(5000).getString("data"));
    assertEquals(at.getString("epoch"), result(client().subscribe("chat:lobby")).getString("epoch"), "same numbering");

    // the flood's one-publication channels expire (historyTtlMs) and are then forgotten (idleTimeoutMs)
    Await.until(() -> held() <= baseline + 1, 15_000);
  }

  @Test
  void shortLivedSocketsSubscribingToManyNamesLeaveNothingBehind(Vertx vertx) throws Exception {
    start(vertx, new JsonObject().put("maxChannels", 100_000));
    long baseline = held();
    int sockets = 40;
    int each = 100;
    for (int s = 0; s < sockets; s++) {
      ProtocolClient c = ProtocolClient.connect(vertx, service.port(), "/ws");
      List<Future<JsonObject>> replies = new ArrayList<>();
      for (int i = 0; i < each; i++) {
        replies.add(c.request(new JsonObject().put("op", "subscribe").put("channel", "chat:s" + s + "-" + i)));
      }
      Await.result(Future.all(replies), 20).<JsonObject>list().forEach(ChannelBoundsTest::result);
      c.close();
    }
    assertTrue(held() > baseline, "the subscriptions made channels");

    ProtocolClient other = client();
    result(other.subscribe("chat:still-here"));
    assertEquals(1, result(other.publish("chat:still-here", "served")).getLong("seq"));
    assertEquals("served", other.nextPublication(5000).getString("data"));
    Await.until(() -> held() <= baseline + 1, 15_000);
    assertTrue(channels().getLong("forgottenIdle") >= sockets * each, channels().encode());
    assertEquals(2, result(other.publish("chat:still-here", "kept")).getLong("seq"), "a channel with a subscriber is kept");
  }

  @Test
  void aNodeFullOfSubscribedChannelsRefusesANewOneWith113ThenMakesRoomWhenOneIsLeft(Vertx vertx) {
    start(vertx, new JsonObject().put("maxChannels", 3));
    ProtocolClient c = client();
    for (int i = 0; i < 3; i++) {
      result(c.subscribe("chat:" + i));
    }
    JsonObject refused = c.subscribe("chat:3");
    assertEquals(ChannelError.CHANNELS_FULL, refused.getJsonObject("error").getInteger("code"), refused.encode());
    TestService.Response rest = Await.result(TestService.on(vertx, () -> post(vertx.createHttpClient(), "chat:4", "1")), 10);
    assertEquals(503, rest.status());
    assertEquals(ChannelError.CHANNELS_FULL, rest.body().toJsonObject().getJsonObject("error").getInteger("code"));
    assertTrue(channels().getLong("refused") >= 2, channels().encode());
    assertEquals(1, result(c.publish("chat:0", "existing channels go on")).getLong("seq"));

    result(c.call(new JsonObject().put("op", "unsubscribe").put("channel", "chat:1")));
    result(c.subscribe("chat:3"));
    assertEquals(3, held());
  }

  @Test
  void joinLeaveChurnInARoomWithMembersIsCoalescedAndABystanderIsStillServed(Vertx vertx) throws Exception {
    int perSecond = 20;
    start(vertx, new JsonObject().put("presenceEventsPerSecond", perSecond));
    long baseline = held();
    String room = "chat:big";
    int members = 300;
    List<Future<JsonObject>> joined = new ArrayList<>();
    for (int i = 0; i < members; i++) {
      joined.add(client().request(new JsonObject().put("op", "subscribe").put("channel", room)));
    }
    Await.result(Future.all(joined), 30).<JsonObject>list().forEach(ChannelBoundsTest::result);
    ProtocolClient bystander = clients.get(0);
    ProtocolClient publisher = clients.get(1);
    while (bystander.next(0) != null) {
      // the members' own joins: what the churn brings is counted from here
    }

    long start = System.currentTimeMillis();
    int churners = 10;
    int cycles = 100;
    List<Future<Void>> churning = new ArrayList<>();
    for (int i = 0; i < churners; i++) {
      churning.add(churn(ProtocolClient.connect(vertx, service.port(), "/ws?name=churner" + i), room, cycles));
    }
    Await.result(Future.all(churning), 60);
    result(publisher.publish(room, "sentinel"));

    int presenceEvents = 0;
    while (true) {
      JsonObject m = bystander.next(10_000);
      assertNotNull(m, "the bystander never got the publication");
      if (m.containsKey("seq")) {
        assertEquals("sentinel", m.getString("data"));
        break;
      }
      presenceEvents++;
    }
    long seconds = (System.currentTimeMillis() - start) / 1000 + 1;
    // per second: the limit, plus one summary; one more second for the members' own joins just before
    assertTrue(presenceEvents <= (perSecond + 1) * (seconds + 1),
        presenceEvents + " presence events in " + seconds + " s, " + churners * cycles * 2 + " joins and leaves made");
    assertTrue(channels().getLong("presenceCoalesced") > 0, channels().encode());
    JsonObject presence = result(bystander.call(new JsonObject().put("op", "presence").put("channel", room)));
    assertEquals(members, presence.getInteger("count"), "the list itself is exact");
    assertTrue(held() <= baseline + 1, "one room: " + held());
  }

  /** Subscribes and unsubscribes {@code cycles} times, one request at a time, then closes. */
  private Future<Void> churn(ProtocolClient c, String room, int cycles) {
    Future<Void> done = Future.succeededFuture();
    for (int i = 0; i < cycles; i++) {
      done = done.compose(v -> c.request(new JsonObject().put("op", "subscribe").put("channel", room)))
          .compose(v -> c.request(new JsonObject().put("op", "unsubscribe").put("channel", room)))
          .mapEmpty();
    }
    return done.compose(v -> c.socket().close());
  }

  /** POSTs anonymously to {@code names} channels, 50 at a time; their statuses. */
  private List<Integer> postEach(int names, java.util.function.IntFunction<String> name) {
    List<Integer> statuses = new ArrayList<>();
    HttpClient http = vertx.createHttpClient();
    TestService.keepReachable(vertx, http);
    for (int from = 0; from < names; from += 50) {
      int first = from;
      List<Future<TestService.Response>> batch = new ArrayList<>();
      Await.result(TestService.on(vertx, () -> {
        for (int i = first; i < Math.min(names, first + 50); i++) {
          batch.add(post(http, name.apply(i), "\"flood " + i + "\""));
        }
        return Future.all(batch);
      }), 30);
      batch.forEach(f -> statuses.add(f.result().status()));
    }
    return statuses;
  }

  private Future<TestService.Response> post(HttpClient http, String channel, String body) {
    return http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(TestService.HOST)
            .setPort(service.port()).setURI("/api/channels/" + channel))
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> new TestService.Response(resp.statusCode(), b)));
  }
}
