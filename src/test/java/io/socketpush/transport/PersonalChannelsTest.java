package io.socketpush.transport;

import io.socketpush.Await;
import io.socketpush.TestService;
import io.socketpush.channel.ChannelError;
import io.socketpush.channel.ProtocolClient;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code user:*}, the default personal rule: one user's channel, reached by the server side on every tab and
 * transport of that user and nobody else's; and {@code POST /api/users/{user}/disconnect}, which ends them all.
 */
@ExtendWith(VertxExtension.class)
class PersonalChannelsTest {
  private static final String SECRET = "personal-channels-test-secret-long-enough";
  private static final String API_KEY = "personal-test-key";
  private Vertx vertx;
  private TestService service;
  private HttpProbe probe;
  private JWTAuth jwt;

  private void start(Vertx vertx) {
    this.vertx = vertx;
    service = Await.result(TestService.start(vertx, new JsonObject()
        .put("security", new JsonObject().put("jwt", new JsonObject().put("secret", SECRET)))
        .put("channels", new JsonObject().put("apiKey", API_KEY))), 20);
    probe = new HttpProbe(vertx, service.port());
    jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
  }

  private String token(String user) {
    return jwt.generateToken(new JsonObject().put("sub", user), new JWTOptions().setExpiresInSeconds(300));
  }

  private HttpProbe.Reply post(String path, String body, String key) {
    return Await.result(probe.send(HttpMethod.POST, path, key == null ? Map.of() : Map.of("X-API-Key", key), body), 10);
  }

  private static int code(JsonObject reply) {
    return reply.getJsonObject("error").getInteger("code");
  }

  @Test
  void onlyTheOwnerMaySubscribeToAPersonalChannel(Vertx vertx) {
    start(vertx);
    ProtocolClient anonymous = ProtocolClient.connect(vertx, service.port(), "/ws");
    ProtocolClient bob = ProtocolClient.connect(vertx, service.port(), "/ws?token=" + token("43"));
    assertEquals(ChannelError.UNAUTHORIZED, code(anonymous.subscribe("user:42")));
    assertEquals(ChannelError.PERMISSION_DENIED, code(bob.subscribe("user:42")));
    assertEquals(ChannelError.PERMISSION_DENIED, code(bob.call(new JsonObject().put("op", "presence").put("channel", "user:42"))));
    assertEquals(403, Await.result(probe.get("/sse/channels/user:42?token=" + token("43"), Map.of()), 10).status());
    assertEquals(403, Await.result(probe.get("/api/channels/user:42/presence", Map.of("Authorization", "Bearer " + token("43"))), 10).status());
    assertEquals(ChannelError.PERMISSION_DENIED, code(bob.publish("user:43", "clients do not publish on personal channels")));
  }

  @Test
  void theServerReachesEveryTabAndTransportOfOneUserAndTheDisconnectEndsThemAll(Vertx vertx) throws Exception {
    start(vertx);
    ProtocolClient tab1 = ProtocolClient.connect(vertx, service.port(), "/ws?token=" + token("42"));
    ProtocolClient tab2 = ProtocolClient.connect(vertx, service.port(), "/ws?token=" + token("42"));
    ProtocolClient other = ProtocolClient.connect(vertx, service.port(), "/ws?token=" + token("43"));
    tab1.subscribe("user:42");
    tab2.subscribe("user:42");
    other.subscribe("user:43");
    HttpProbe.Stream sse = Await.result(probe.stream("/sse/channels/user:42?token=" + token("42"), Map.of()), 10);
    Await.result(sse.until(t -> t.contains("event: subscribed")), 10);
    SockJsChannelClient sockJs = SockJsChannelClient.xhrPolling(probe, "?token=" + token("42"));
    assertTrue(sockJs.call(new JsonObject().put("op", "subscribe").put("channel", "user:42")).containsKey("result"));

    assertEquals(202, post("/api/channels/user:42", "{\"text\":\"your order shipped\"}", API_KEY).status());
    assertEquals(202, post("/api/channels/user:43", "{\"text\":\"for bob\"}", API_KEY).status());
    for (ProtocolClient tab : new ProtocolClient[] {tab1, tab2}) {
      assertEquals("your order shipped", tab.nextPublication(5000).getJsonObject("data").getString("text"));
    }
    assertEquals("your order shipped", sockJs.nextPublication(5000).getJsonObject("data").getString("text"));
    Await.result(sse.until(t -> t.contains("your order shipped")), 10);
    assertEquals("for bob", other.nextPublication(5000).getJsonObject("data").getString("text"), "the other user got only his own");
    JsonObject viaBus = Await.result(vertx.eventBus().<JsonObject>request("channels.publish",
        new JsonObject().put("channel", "user:42").put("data", new JsonObject().put("text", "from a Vert.x service"))), 10).body();
    assertEquals(2, viaBus.getLong("seq"));
    for (ProtocolClient tab : new ProtocolClient[] {tab1, tab2}) {
      assertEquals("from a Vert.x service", tab.nextPublication(5000).getJsonObject("data").getString("text"), "the event bus reaches it too");
    }

    Promise<Short> tab1Closed = Promise.promise();
    tab1.socket().closeHandler(v -> tab1Closed.tryComplete(tab1.socket().closeStatusCode()));
    HttpProbe.Reply done = post("/api/users/42/disconnect", "{\"code\":4001,\"reason\":\"logged out\"}", API_KEY);
    assertEquals(200, done.status(), done.body());
    assertEquals(new JsonObject().put("user", "42").put("disconnected", 4), new JsonObject(done.body()));
    assertEquals((short) 4001, Await.result(tab1Closed.future(), 10));
    assertEquals(3000, Await.result(sockJs.closed(), 10), "vertx-web's HTTP sessions close with c[3000,\"Go away!\"] whatever the code");
    Await.result(sse.ended(), 10);
    assertEquals(0, other.call(new JsonObject().put("op", "ping")).getJsonObject("result").size(), "the other user stays");
    assertEquals(new JsonObject().put("user", "42").put("disconnected", 0),
        new JsonObject(post("/api/users/42/disconnect", "", API_KEY).body()), "nothing left to close");
  }

  @Test
  void theServerApiWithoutTheKeyIs401AndSaysNothingOfTheUser(Vertx vertx) {
    start(vertx);
    ProtocolClient.connect(vertx, service.port(), "/ws?token=" + token("42"));
    HttpProbe.Reply known = post("/api/users/42/disconnect", "", null);
    HttpProbe.Reply unknown = post("/api/users/nobody/disconnect", "", null);
    HttpProbe.Reply wrongKey = post("/api/users/42/disconnect", "", "guess");
    for (HttpProbe.Reply reply : new HttpProbe.Reply[] {known, unknown, wrongKey}) {
      assertEquals(401, reply.status());
      assertEquals(ChannelError.UNAUTHORIZED, new JsonObject(reply.body()).getJsonObject("error").getInteger("code"));
    }
    assertEquals(known.body(), unknown.body());
    assertEquals(400, post("/api/users/4%202/disconnect", "", API_KEY).status(), "a user id outside the allowed set");
    assertEquals(400, post("/api/users/42/disconnect", "{\"code\":1000}", API_KEY).status(), "the application's close codes are 4000-4999");
  }
}
