package io.socketpush.channel;

import io.socketpush.Await;
import io.socketpush.TestClock;
import io.socketpush.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A publication with an idempotency key, repeated, is published once: over a socket, over REST and over the event
 * bus the repeat gets the first one's {@code seq}, subscribers get it once and the history keeps it once.
 */
@ExtendWith(VertxExtension.class)
class IdempotentPublishTest {
  private static final String API_KEY = "test-api-key";
  private static final long WINDOW_MS = 60_000;
  private final ProtocolClients clients = new ProtocolClients();
  private final TestClock clock = new TestClock();
  private Vertx vertx;
  private TestService service;

  private void start(Vertx vertx) {
    this.vertx = vertx;
    JsonObject conf = new JsonObject().put("channels", new JsonObject().put("apiKey", API_KEY)
        .put("idempotencyWindowMs", WINDOW_MS));
    service = Await.result(TestService.start(vertx, conf, clock), 20);
  }

  private ProtocolClient client() {
    return clients.connect(vertx, service.port(), "/ws");
  }

  @AfterEach
  void closeClients() {
    clients.closeAll();
  }

  private static JsonObject publish(String channel, Object data, String key) {
    JsonObject request = new JsonObject().put("op", "publish").put("channel", channel).put("data", data);
    return key == null ? request : request.put("idempotencyKey", key);
  }

  private static long seq(JsonObject reply) {
    assertNull(reply.getValue("error"), reply.encode());
    return reply.getJsonObject("result").getLong("seq");
  }

  private static int errorCode(JsonObject reply) {
    assertNotNull(reply.getJsonObject("error"), reply.encode());
    return reply.getJsonObject("error").getInteger("code");
  }

  /** The next publications' data, then the sentinel: nothing else came between. */
  private static void receivesThenSentinel(ProtocolClient reader, String sentinel, String... data) throws InterruptedException {
    for (String d : data) {
      JsonObject p = reader.nextPublication(5000);
      assertNotNull(p, "no " + d);
      assertEquals(d, p.getString("data"), p.encode());
    }
    JsonObject next = reader.nextPublication(5000);
    assertNotNull(next, "no sentinel");
    assertEquals(sentinel, next.getString("data"), "nothing between: the repeat was not delivered again");
  }

  private JsonArray history(String channel) {
    return Await.result(vertx.eventBus().<JsonObject>request("channels.history", new JsonObject().put("channel", channel)), 5)
        .body().getJsonArray("publications");
  }

  @Test
  void aRepeatedKeyOverTheSocketGetsTheFirstSeqAndIsDeliveredOnce(Vertx vertx) throws Exception {
    start(vertx);
    ProtocolClient reader = client();
    ProtocolClient publisher = client();
    seq(reader.subscribe("chat:keys"));

    assertEquals(1, seq(publisher.call(publish("chat:keys", "hello", "msg-1"))));
    assertEquals(1, seq(publisher.call(publish("chat:keys", "hello", "msg-1"))), "the repeat gets the first seq");
    ProtocolClient other = client();
    assertEquals(1, seq(other.call(publish("chat:keys", "hello again", "msg-1"))), "a key is the channel's, whoever repeats it");
    assertEquals(2, seq(publisher.call(publish("chat:keys", "world", "msg-2"))), "another key: another publication");
    assertEquals(3, seq(publisher.call(publish("chat:keys", "world", null))), "no key: always a new publication");
    assertEquals(1, seq(publisher.call(publish("chat:other", "hello", "msg-1"))), "a key is per channel");
    assertEquals(4, seq(publisher.call(publish("chat:keys", "end", null))));

    receivesThenSentinel(reader, "end", "hello", "world", "world");
    assertEquals(4, history("chat:keys").size(), "kept once: " + history("chat:keys").encode());
  }

  @Test
  void aKeyIsForgottenAfterTheWindow(Vertx vertx) throws Exception {
    start(vertx);
    ProtocolClient publisher = client();
    assertEquals(1, seq(publisher.call(publish("chat:window", "a", "once"))));
    clock.advance(Duration.ofMillis(WINDOW_MS - 1_000));
    assertEquals(1, seq(publisher.call(publish("chat:window", "a", "once"))), "still within the window");
    clock.advance(Duration.ofMillis(2_000));
    assertEquals(2, seq(publisher.call(publish("chat:window", "a", "once"))), "past the window: a new publication");
  }

  @Test
  void aRepeatedKeyOverRestAndTheEventBusGetsTheFirstSeq(Vertx vertx) throws Exception {
    start(vertx);
    ProtocolClient reader = client();
    seq(reader.subscribe("news:keys"));

    for (int i = 0; i < 2; i++) {
      TestService.Response r = post("/api/channels/news:keys", "\"rest\"", "rest-1");
      assertEquals(202, r.status(), r.body().toString());
      assertEquals(1, r.body().toJsonObject().getLong("seq"), "POST /api/channels/{name} with Idempotency-Key, try " + i);
    }
    for (int i = 0; i < 2; i++) {
      JsonObject reply = Await.result(vertx.eventBus().<JsonObject>request("channels.publish", new JsonObject()
          .put("channel", "news:keys").put("data", "bus").put("idempotencyKey", "bus-1")), 5).body();
      assertEquals(2, reply.getLong("seq"), "channels.publish with idempotencyKey, try " + i);
    }
    for (int i = 0; i < 2; i++) {
      TestService.Response r = post("/api/publish", new JsonObject().put("channels", new JsonArray().add("news:keys").add("news:more"))
          .put("data", "broadcast").put("idempotencyKey", "broadcast-1").encode(), null);
      assertEquals(200, r.status(), r.body().toString());
      JsonArray results = r.body().toJsonObject().getJsonArray("results");
      assertEquals(3, results.getJsonObject(0).getLong("seq"), "POST /api/publish, try " + i + ": " + results.encode());
      assertEquals(1, results.getJsonObject(1).getLong("seq"), "each channel remembers the key on its own");
    }
    assertEquals(202, post("/api/channels/news:keys", "\"end\"", null).status());

    receivesThenSentinel(reader, "end", "rest", "bus", "broadcast");
    assertEquals(4, history("news:keys").size(), history("news:keys").encode());
  }

  @Test
  void aClientCannotTakeTheServerSidesKeys(Vertx vertx) throws Exception {
    start(vertx);
    ProtocolClient anonymous = client();
    assertEquals(1, seq(anonymous.call(publish("chat:scoped", "a client's", "same-key"))));
    TestService.Response server = post("/api/channels/chat:scoped", "\"the server's\"", "same-key");
    assertEquals(2, server.body().toJsonObject().getLong("seq"), "the server side's keys are its own: " + server.body());
    assertEquals(2, post("/api/channels/chat:scoped", "\"the server's\"", "same-key").body().toJsonObject().getLong("seq"));
    assertEquals(1, seq(anonymous.call(publish("chat:scoped", "a client's", "same-key"))));
  }

  @Test
  void aUsersKeysAreHisOwnWhateverHisIdHolds() {
    assertNotEquals(ChannelService.scoped("k", "alice", false), ChannelService.scoped("k", "bob", false));
    assertNotEquals(ChannelService.scoped("k", "alice", false), ChannelService.scoped("k", null, true));
    assertNotEquals(ChannelService.scoped("k", null, false), ChannelService.scoped("k", null, true));
    assertNotEquals(ChannelService.scoped("x:k", "bob", false), ChannelService.scoped("k", "bob:x", false));
    assertNotEquals(ChannelService.scoped("k", "a/b", false), ChannelService.scoped("k", "a", false));
  }

  @Test
  void aMalformedKeyIsRefusedWith107Everywhere(Vertx vertx) throws Exception {
    start(vertx);
    ProtocolClient publisher = client();
    for (Object bad : new Object[] {"", "x".repeat(65), "has space", "é", 42}) {
      JsonObject request = new JsonObject().put("op", "publish").put("channel", "chat:bad").put("data", 1).put("idempotencyKey", bad);
      assertEquals(ChannelError.BAD_REQUEST, errorCode(publisher.call(request)), "key " + bad);
    }
    assertEquals(1, seq(publisher.call(publish("chat:bad", 1, "x".repeat(64)))), "64 characters are fine");
    assertEquals(1, seq(publisher.call(publish("chat:bad", 1, "x".repeat(64)))));
    assertEquals(2, seq(publisher.call(publish("chat:bad", 1, "AZaz09_-.:@="))), "the whole alphabet");

    TestService.Response rest = post("/api/channels/news:bad", "1", "has space");
    assertEquals(400, rest.status());
    assertEquals(ChannelError.BAD_REQUEST, rest.body().toJsonObject().getJsonObject("error").getInteger("code"));
    TestService.Response broadcast = post("/api/publish", new JsonObject().put("channels", new JsonArray().add("news:bad"))
        .put("data", 1).put("idempotencyKey", "x".repeat(65)).encode(), null);
    assertEquals(400, broadcast.status(), broadcast.body().toString());
    for (Object bad : new Object[] {"has space", 7}) {
      Throwable refused = Await.result(vertx.eventBus().request("channels.publish", new JsonObject().put("channel", "news:bad")
          .put("data", 1).put("idempotencyKey", bad)).map(m -> (Throwable) null).otherwise(e -> e), 5);
      assertInstanceOf(ReplyException.class, refused, "key " + bad);
      assertEquals(ChannelError.BAD_REQUEST, ((ReplyException) refused).failureCode());
    }
    assertEquals(0, history("news:bad").size(), "nothing published with a bad key");
  }

  /** POSTs with the API key, and an {@code Idempotency-Key} header if {@code key} is not null. */
  private TestService.Response post(String path, String body, String key) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(TestService.HOST)
        .setPort(service.port()).setURI(path).addHeader("X-API-Key", API_KEY).addHeader("Content-Type", "application/json");
    if (key != null) {
      options.addHeader("Idempotency-Key", key);
    }
    return Await.result(TestService.send(vertx, options, body), 5);
  }
}
