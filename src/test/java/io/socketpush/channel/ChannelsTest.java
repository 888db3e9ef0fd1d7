package io.socketpush.channel;

import io.socketpush.Await;
import io.socketpush.TestClock;
import io.socketpush.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code /ws} channel protocol, its rules and limits, REST and event-bus publishing, on one node. */
@ExtendWith(VertxExtension.class)
class ChannelsTest {
  private static final String SECRET = "channels-test-secret-long-enough-for-hs256";
  private static final String API_KEY = "test-api-key";
  private final ProtocolClients clients = new ProtocolClients();
  private Vertx vertx;
  private TestService service;

  /** The node's clock: a history's lifetime passes when the test moves it. */
  private final TestClock clock = new TestClock();

  private void start(Vertx vertx, JsonObject channels) {
    this.vertx = vertx;
    JsonObject conf = new JsonObject()
        .put("tick", new JsonObject().put("periodMs", 200))
        .put("security", new JsonObject().put("jwt", new JsonObject().put("secret", SECRET)))
        .put("channels", new JsonObject().put("apiKey", API_KEY).mergeIn(channels));
    service = Await.result(TestService.start(vertx, conf, clock), 20);
  }

  private void start(Vertx vertx) {
    start(vertx, new JsonObject());
  }

  private ProtocolClient client(String query) {
    return clients.connect(vertx, service.port(), "/ws" + query);
  }

  @AfterEach
  void closeClients() {
    clients.closeAll();
  }

  private static JsonObject result(JsonObject reply) {
    assertNull(reply.getValue("error"), reply.encode());
    return reply.getJsonObject("result");
  }

  private static int errorCode(JsonObject reply) {
    assertNotNull(reply.getJsonObject("error"), reply.encode());
    return reply.getJsonObject("error").getInteger("code");
  }

  @Test
  void aPublicationReachesEverySubscriberNumberedFromOne(Vertx vertx) throws Exception {
    start(vertx);
    ProtocolClient alice = client("?name=alice");
    ProtocolClient bob = client("?name=bob");
    JsonObject subscribed = result(alice.subscribe("comments:video1"));
    assertEquals(0, subscribed.getLong("seq"));
    assertEquals("comments:video1", subscribed.getString("channel"));
    assertFalse(subscribed.getString("epoch").isEmpty());
    assertFalse(subscribed.containsKey("recovered"), "no position given, nothing to recover");
    result(bob.subscribe("comments:video1"));

    assertEquals(1, result(alice.publish("comments:video1", new JsonObject().put("text", "first!"))).getLong("seq"));
    assertEquals(2, result(bob.publish("comments:video1", "plain text works too")).getLong("seq"));
    for (ProtocolClient c : List.of(alice, bob)) {
      JsonObject one = c.nextPublication(5000);
      assertEquals(new JsonObject().put("channel", "comments:video1").put("seq", 1)
          .put("data", new JsonObject().put("text", "first!")), one);
      JsonObject two = c.nextPublication(5000);
      assertEquals(2, two.getLong("seq"));
      assertEquals("plain text works too", two.getString("data"));
    }
  }

  @Test
  void theTimeChannelTicksWithConsecutiveNumbersAndIsReadOnly(Vertx vertx) throws Exception {
    start(vertx);
    ProtocolClient c = client("");
    result(c.subscribe("time"));
    JsonObject first = c.nextPublication(5000);
    JsonObject second = c.nextPublication(5000);
    assertEquals("time", first.getString("channel"));
    assertTrue(first.getJsonObject("data").containsKey("time"), first.encode());
    assertEquals(first.getLong("seq") + 1, second.getLong("seq"));
    assertEquals(first.getJsonObject("data").getLong("ts") / 200, first.getLong("seq"));
    assertEquals(ChannelError.PERMISSION_DENIED, errorCode(c.publish("time", new JsonObject())));
  }

  @Test
  void oneSocketFollowsTheClockAndAChatRoomAtOnce(Vertx vertx) throws Exception {
    start(vertx);
    ProtocolClient c = client("");
    result(c.subscribe("time"));
    result(c.subscribe("chat:lobby"));
    result(c.publish("chat:lobby", "hello"));
    boolean tick = false;
    boolean chat = false;
    for (int i = 0; i < 20 && !(tick && chat); i++) {
      JsonObject m = c.nextPublication(2000);
      assertNotNull(m);
      tick |= m.getString("channel").equals("time");
      chat |= m.getString("channel").equals("chat:lobby") && m.getString("data").equals("hello");
    }
    assertTrue(tick && chat);
  }

  @Test
  void everyMalformedOrForbiddenRequestGetsAnErrorAndTheSocketStaysOpen(Vertx vertx) throws Exception {
    start(vertx);
    ProtocolClient c = client("");
    c.socket().writeTextMessage("not json");
    assertEquals(ChannelError.BAD_REQUEST, c.next(5000).getJsonObject("error").getInteger("code"));
    c.socket().writeTextMessage("{\"op\":\"ping\"}");
    assertEquals(ChannelError.BAD_REQUEST, c.next(5000).getJsonObject("error").getInteger("code"));
    c.socket().writeBinaryMessage(Buffer.buffer("{}"));
    assertEquals(ChannelError.BAD_REQUEST, c.next(5000).getJsonObject("error").getInteger("code"));

    assertEquals(ChannelError.METHOD_NOT_FOUND, errorCode(c.call(new JsonObject().put("op", "dance"))));
    assertEquals(ChannelError.BAD_REQUEST, errorCode(c.call(new JsonObject())));
    assertEquals(ChannelError.BAD_REQUEST, errorCode(c.subscribe("bad name!")));
    assertEquals(ChannelError.BAD_REQUEST, errorCode(c.call(new JsonObject().put("op", "subscribe").put("channel", 42))));
    assertEquals(ChannelError.UNKNOWN_CHANNEL, errorCode(c.subscribe("nowhere:1")));
    result(c.subscribe("chat:a"));
    assertEquals(ChannelError.ALREADY_SUBSCRIBED, errorCode(c.subscribe("chat:a")));
    assertEquals(ChannelError.NOT_SUBSCRIBED, errorCode(c.call(new JsonObject().put("op", "unsubscribe").put("channel", "chat:b"))));
    assertEquals(ChannelError.PERMISSION_DENIED, errorCode(c.publish("news:sport", "clients may not")));
    assertEquals(ChannelError.TOO_LARGE, errorCode(c.publish("comments:v", "x".repeat(1100))));
    assertEquals(ChannelError.BAD_REQUEST, errorCode(c.call(new JsonObject().put("op", "publish").put("channel", "chat:a"))));
    assertEquals(new JsonObject(), result(c.call(new JsonObject().put("op", "ping"))));
    assertEquals(new JsonObject(), result(c.call(new JsonObject().put("op", "unsubscribe").put("channel", "chat:a"))));
    assertEquals(1, result(c.publish("chat:a", "still open")).getLong("seq"));
  }

  @Test
  void anAuthenticatedOnlyChannelNeedsAToken(Vertx vertx) throws Exception {
    start(vertx, new JsonObject().put("rules", new JsonArray()
        .add(new JsonObject().put("pattern", "vip:*").put("subscribe", "authenticated").put("publish", "authenticated"))));
    ProtocolClient anonymous = client("");
    assertEquals(ChannelError.UNAUTHORIZED, errorCode(anonymous.subscribe("vip:lounge")));
    assertEquals(ChannelError.UNAUTHORIZED, errorCode(anonymous.publish("vip:lounge", 1)));
    ProtocolClient member = client("?token=" + token("carol"));
    result(member.subscribe("vip:lounge"));
    assertEquals(1, result(member.publish("vip:lounge", 1)).getLong("seq"));
    assertEquals(401, post("vip:lounge", "2", null, null).status());
    assertEquals(202, post("vip:lounge", "2", null, token("dave")).status(), "the REST API takes the same JWT");
    assertEquals(1, member.nextPublication(5000).getLong("seq"));
    assertEquals(2, member.nextPublication(5000).getLong("seq"));
  }

  @Test
  void aChannelNobodyMaySubscribeToIsRefused(Vertx vertx) {
    start(vertx, new JsonObject().put("rules", new JsonArray()
        .add(new JsonObject().put("pattern", "internal:*").put("subscribe", "nobody").put("publish", "server"))));
    ProtocolClient c = client("");
    assertEquals(ChannelError.PERMISSION_DENIED, errorCode(c.subscribe("internal:audit")));
    assertEquals(ChannelError.PERMISSION_DENIED, errorCode(c.call(new JsonObject().put("op", "presence").put("channel", "internal:audit"))));
  }

  @Test
  void aSocketSendingTooManyRequestsIsClosedWith1008(Vertx vertx) {
    start(vertx, new JsonObject().put("requestsPerSecond", 5));
    ProtocolClient c = client("");
    io.vertx.core.Promise<Short> closed = io.vertx.core.Promise.promise();
    c.socket().closeHandler(v -> closed.tryComplete(c.socket().closeStatusCode()));
    for (int i = 0; i < 10; i++) {
      c.socket().writeTextMessage(new JsonObject().put("id", i).put("op", "ping").encode());
    }
    assertEquals((short) 1008, Await.result(closed.future(), 5));
  }

  @Test
  void historyOlderThanItsLifetimeIsNotRecovered(Vertx vertx) throws Exception {
    start(vertx, new JsonObject().put("rules", new JsonArray()
        .add(new JsonObject().put("pattern", "chat:*").put("publish", "anyone").put("historyTtlMs", 300))));
    ProtocolClient publisher = client("");
    JsonObject at = result(publisher.subscribe("chat:brief"));
    result(publisher.publish("chat:brief", "soon stale"));
    clock.advance(Duration.ofMillis(600)); // past the rule's lifetime, on the node's clock
    JsonObject late = result(client("").call(new JsonObject().put("op", "subscribe").put("channel", "chat:brief")
        .put("since", 0).put("epoch", at.getString("epoch"))));
    assertFalse(late.getBoolean("recovered"));
  }

  @Test
  void aConnectionFollowsAtMostMaxPerConnectionChannels(Vertx vertx) {
    start(vertx, new JsonObject().put("maxPerConnection", 3));
    ProtocolClient c = client("");
    for (int i = 0; i < 3; i++) {
      result(c.subscribe("chat:" + i));
    }
    assertEquals(ChannelError.LIMIT_EXCEEDED, errorCode(c.subscribe("chat:3")));
    result(c.call(new JsonObject().put("op", "unsubscribe").put("channel", "chat:0")));
    result(c.subscribe("chat:3"));
  }

  @Test
  void publishingTooFastIsRefusedThenClosedWith1008(Vertx vertx) throws Exception {
    start(vertx, new JsonObject().put("publishesPerSecond", 3));
    ProtocolClient c = client("");
    List<JsonObject> replies = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      replies.add(c.publish("chat:flood", i));
    }
    assertEquals(3, replies.stream().filter(r -> r.containsKey("result")).count(), replies.toString());
    assertEquals(ChannelError.TOO_MANY_REQUESTS, errorCode(replies.get(4)));
    io.vertx.core.Promise<Short> closed = io.vertx.core.Promise.promise();
    c.socket().closeHandler(v -> closed.tryComplete(c.socket().closeStatusCode()));
    for (int i = 0; i < 5; i++) {
      c.socket().writeTextMessage(new JsonObject().put("id", 100 + i).put("op", "publish").put("channel", "chat:flood").put("data", i).encode());
    }
    assertEquals((short) 1008, Await.result(closed.future(), 5));
    ProtocolClient other = client("");
    assertEquals(4, result(other.publish("chat:flood", "others are unaffected")).getLong("seq"));
  }

  @Test
  void aReturningClientRecoversExactlyWhatItMissedThenLive(Vertx vertx) throws Exception {
    start(vertx);
    ProtocolClient publisher = client("");
    ProtocolClient reader = client("");
    JsonObject at = result(reader.subscribe("chat:recover"));
    result(publisher.publish("chat:recover", "seen"));
    assertEquals(1, reader.nextPublication(5000).getLong("seq"));
    reader.close();
    for (int i = 2; i <= 4; i++) {
      result(publisher.publish("chat:recover", "missed " + i));
    }
    ProtocolClient back = client("");
    JsonObject reply = back.call(new JsonObject().put("op", "subscribe").put("channel", "chat:recover")
        .put("since", 1).put("epoch", at.getString("epoch")));
    assertTrue(result(reply).getBoolean("recovered"), reply.encode());
    assertEquals(4, result(reply).getLong("seq"));
    result(publisher.publish("chat:recover", "live 5"));
    for (int seq = 2; seq <= 5; seq++) {
      JsonObject p = back.nextPublication(5000);
      assertEquals(seq, p.getLong("seq"), p.encode());
    }
    assertNull(back.nextPublication(300), "no duplicate");
    int replyAt = back.all().indexOf(reply);
    assertTrue(replyAt >= 0 && back.all().indexOf(back.all().stream().filter(m -> m.containsKey("seq")).findFirst().get()) > replyAt,
        "the reply comes before the recovered publications");
  }

  @Test
  void aNewcomerAsksForTheLastPublicationsAndGetsThemThenLiveOnes(Vertx vertx) throws Exception {
    start(vertx, new JsonObject().put("rules", new JsonArray()
        .add(new JsonObject().put("pattern", "chat:*").put("publish", "anyone").put("historySize", 4))));
    ProtocolClient publisher = client("");
    for (int i = 1; i <= 6; i++) {
      result(publisher.publish("chat:room", "m" + i));
    }
    ProtocolClient newcomer = client("");
    JsonObject reply = newcomer.call(new JsonObject().put("op", "subscribe").put("channel", "chat:room").put("recent", 3));
    assertEquals(6, result(reply).getLong("seq"));
    assertFalse(result(reply).containsKey("recovered"), "no position given: nothing to recover");
    assertEquals(3, result(reply).getInteger("recent"), "how many follow: seq 4 to 6");
    result(publisher.publish("chat:room", "m7"));
    for (int seq = 4; seq <= 7; seq++) {
      JsonObject p = newcomer.nextPublication(5000);
      assertEquals(seq, p.getLong("seq"), p.encode());
      assertEquals("m" + seq, p.getString("data"));
    }
    assertNull(newcomer.nextPublication(300), "no duplicate");
    assertTrue(newcomer.all().indexOf(reply) < newcomer.all().indexOf(newcomer.all().stream()
        .filter(m -> m.containsKey("seq")).findFirst().get()), "the reply comes first");

    ProtocolClient greedy = client("");
    JsonObject all = result(greedy.call(new JsonObject().put("op", "subscribe").put("channel", "chat:room").put("recent", 100)));
    assertEquals(4, all.getInteger("recent"), "as many as are kept: historySize 4");
    assertEquals(4, greedy.nextPublication(5000).getLong("seq"));
    ProtocolClient plain = client("");
    result(plain.subscribe("chat:room"));
    assertNull(plain.nextPublication(300), "none unless asked");
    assertEquals(ChannelError.BAD_REQUEST, errorCode(plain.call(new JsonObject().put("op", "subscribe").put("channel", "chat:other").put("recent", -1))));
    assertEquals(ChannelError.BAD_REQUEST, errorCode(plain.call(new JsonObject().put("op", "subscribe").put("channel", "chat:other").put("recent", "3"))));
  }

  @Test
  void withoutEnoughHistoryTheClientIsToldItDidNotRecover(Vertx vertx) throws Exception {
    start(vertx, new JsonObject().put("rules", new JsonArray()
        .add(new JsonObject().put("pattern", "chat:*").put("publish", "anyone").put("historySize", 2))));
    ProtocolClient publisher = client("");
    JsonObject at = result(publisher.subscribe("chat:short"));
    for (int i = 1; i <= 5; i++) {
      result(publisher.publish("chat:short", i));
    }
    ProtocolClient back = client("");
    JsonObject gone = result(back.call(new JsonObject().put("op", "subscribe").put("channel", "chat:short")
        .put("since", 1).put("epoch", at.getString("epoch"))));
    assertFalse(gone.getBoolean("recovered"));
    assertEquals(5, gone.getLong("seq"));
    assertNull(back.nextPublication(300), "nothing partial is replayed");
    ProtocolClient other = client("");
    JsonObject otherEpoch = result(other.call(new JsonObject().put("op", "subscribe").put("channel", "chat:short")
        .put("since", 4).put("epoch", "not-the-epoch")));
    assertFalse(otherEpoch.getBoolean("recovered"), "another epoch: the numbers restarted");
    ProtocolClient near = client("");
    JsonObject recent = result(near.call(new JsonObject().put("op", "subscribe").put("channel", "chat:short")
        .put("since", 3).put("epoch", at.getString("epoch"))));
    assertTrue(recent.getBoolean("recovered"));
    assertEquals(4, near.nextPublication(5000).getLong("seq"));
    assertEquals(5, near.nextPublication(5000).getLong("seq"));
  }

  @Test
  void presenceListsWhoIsThereAndAnnouncesJoinsAndLeaves(Vertx vertx) throws Exception {
    start(vertx);
    ProtocolClient alice = client("?name=alice");
    result(alice.subscribe("chat:room"));
    ProtocolClient bob = client("?name=bob&token=" + token("bob-subject"));
    result(bob.subscribe("chat:room"));
    JsonObject joined = nextWith(alice, "join", "bob");
    assertEquals("bob-subject", joined.getJsonObject("join").getString("user"));

    JsonObject presence = result(alice.call(new JsonObject().put("op", "presence").put("channel", "chat:room")));
    assertEquals(2, presence.getInteger("count"));
    assertEquals(List.of("alice", "bob"), presence.getJsonArray("clients").stream()
        .map(o -> ((JsonObject) o).getString("name")).sorted().toList());

    bob.close();
    nextWith(alice, "leave", "bob");
    JsonObject after = Await.result(service.get("/api/channels/chat:room/presence"), 5).body().toJsonObject();
    assertEquals(1, after.getInteger("count"), after.encode());
  }

  @Test
  void channelsWithoutPresenceStillCountTheirSubscribersOnEveryTransport(Vertx vertx) throws Exception {
    start(vertx);
    ProtocolClient a = client("");
    ProtocolClient b = client("");
    result(a.subscribe("comments:live"));
    result(b.subscribe("comments:live"));
    JsonObject presence = result(a.call(new JsonObject().put("op", "presence").put("channel", "comments:live")));
    assertEquals(2, presence.getInteger("count"));
    assertFalse(presence.containsKey("clients"), "no list where the rule keeps no presence");
    Await.result(service.connect("/ws/time"), 5);
    result(a.subscribe("time"));
    assertEquals(2, result(a.call(new JsonObject().put("op", "presence").put("channel", "time"))).getInteger("count"));
  }

  @Test
  void theRestApiPublishesWithTheKeyOrAsAClientTheRuleAllows(Vertx vertx) throws Exception {
    start(vertx);
    ProtocolClient reader = client("");
    result(reader.subscribe("news:sport"));
    assertEquals(403, post("news:sport", "{\"score\":\"1-0\"}", null).status());
    assertEquals(401, post("news:sport", "{\"score\":\"1-0\"}", "wrong-key").status());
    TestService.Response ok = post("news:sport", "{\"score\":\"1-0\"}", API_KEY);
    assertEquals(202, ok.status(), ok.body().toString());
    assertEquals(1, ok.body().toJsonObject().getLong("seq"));
    assertEquals("1-0", reader.nextPublication(5000).getJsonObject("data").getString("score"));

    assertEquals(202, post("chat:lobby", "\"an anonymous client may publish here\"", null).status());
    assertEquals(400, post("chat:lobby", "{not json", API_KEY).status());
    assertEquals(404, post("nowhere:1", "1", API_KEY).status());
    assertEquals(403, post("time", "1", API_KEY).status());
    TestService.Response large = post("comments:v", "\"" + "x".repeat(2000) + "\"", API_KEY);
    assertEquals(413, large.status());
    assertEquals(ChannelError.TOO_LARGE, large.body().toJsonObject().getJsonObject("error").getInteger("code"));
  }

  @Test
  void otherServicesPublishOverTheEventBus(Vertx vertx) throws Exception {
    start(vertx);
    ProtocolClient reader = client("");
    result(reader.subscribe("news:world"));
    JsonObject reply = Await.result(vertx.eventBus().<JsonObject>request("channels.publish",
        new JsonObject().put("channel", "news:world").put("data", new JsonObject().put("headline", "hello"))), 5).body();
    assertEquals(1, reply.getLong("seq"));
    assertEquals("hello", reader.nextPublication(5000).getJsonObject("data").getString("headline"));
    Throwable refused = Await.result(vertx.eventBus().request("channels.publish", new JsonObject().put("channel", "time").put("data", 1))
        .map(m -> (Throwable) null).otherwise(e -> e), 5);
    assertInstanceOf(ReplyException.class, refused);
    assertEquals(ChannelError.PERMISSION_DENIED, ((ReplyException) refused).failureCode());
  }

  /** The next presence event of the kind about the named client (a client sees its own join too). */
  static JsonObject nextWith(ProtocolClient c, String event, String name) throws InterruptedException {
    for (int i = 0; i < 20; i++) {
      JsonObject m = c.next(5000);
      assertNotNull(m, "no " + event + " of " + name);
      if (m.containsKey(event) && name.equals(m.getJsonObject(event).getString("name"))) {
        return m;
      }
    }
    throw new AssertionError("no " + event + " of " + name);
  }

  private TestService.Response post(String channel, String body, String apiKey) {
    return post(channel, body, apiKey, null);
  }

  private TestService.Response post(String channel, String body, String apiKey, String bearer) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(TestService.HOST)
        .setPort(service.port()).setURI("/api/channels/" + channel);
    if (apiKey != null) {
      options.addHeader("X-API-Key", apiKey);
    }
    if (bearer != null) {
      options.addHeader("Authorization", "Bearer " + bearer);
    }
    return Await.result(TestService.send(vertx, options, body), 5);
  }

  private String token(String subject) {
    JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    return signer.generateToken(new JsonObject().put("sub", subject), new JWTOptions().setExpiresInMinutes(5));
  }
}
