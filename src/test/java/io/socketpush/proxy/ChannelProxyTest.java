package io.socketpush.proxy;

import io.socketpush.Await;
import io.socketpush.TestService;
import io.socketpush.channel.ChannelError;
import io.socketpush.channel.ProtocolClient;
import io.socketpush.config.ConfigException;
import io.socketpush.config.ConfigSources;
import io.socketpush.config.ServiceConfig;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Channels whose rule says "proxy": the application decides each subscription and publication, and may rewrite the data. */
@ExtendWith(VertxExtension.class)
class ChannelProxyTest {
  private static final long TIMEOUT_MS = 1000;
  private StubApp app;
  private TestService service;

  private void start(Vertx vertx) {
    app = Await.result(StubApp.start(vertx), 10);
    app.json("/connect", new JsonObject().put("result", new JsonObject().put("user", "42")));
    JsonObject conf = new JsonObject()
        .put("proxy", new JsonObject().put("connectUrl", app.url("/connect")).put("subscribeUrl", app.url("/subscribe"))
            .put("publishUrl", app.url("/publish")).put("timeoutMs", TIMEOUT_MS))
        .put("channels", new JsonObject().put("apiKey", "k").put("rules", new JsonArray()
            .add(new JsonObject().put("pattern", "team:*").put("subscribe", "proxy").put("publish", "proxy"))));
    service = Await.result(TestService.start(vertx, conf), 20);
  }

  private ProtocolClient client(Vertx vertx) {
    return ProtocolClient.connect(vertx, new WebSocketConnectOptions().setHost(TestService.HOST).setPort(service.port())
        .setURI("/ws").addHeader("Cookie", "sessionid=s1"));
  }

  private static int code(JsonObject reply) {
    return reply.getJsonObject("error").getInteger("code");
  }

  @Test
  void theApplicationDecidesSubscriptionsWithItsOwnErrorCodes(Vertx vertx) {
    start(vertx);
    app.on("/subscribe", (req, body) -> req.response().end((body.getString("channel").equals("team:red")
        ? new JsonObject().put("result", new JsonObject())
        : new JsonObject().put("error", new JsonObject().put("code", 4030).put("message", "not your team"))).encode()));
    ProtocolClient c = client(vertx);
    assertNull(c.subscribe("team:red").getValue("error"));
    JsonObject refused = c.subscribe("team:blue");
    assertEquals(4030, code(refused));
    assertEquals("not your team", refused.getJsonObject("error").getString("message"));
    StubApp.Asked asked = app.asked().stream().filter(a -> a.path().equals("/subscribe")).findFirst().orElseThrow();
    assertEquals("42", asked.body().getString("user"));
    assertEquals("team:red", asked.body().getString("channel"));
    String connected = app.asked().stream().filter(a -> a.path().equals("/connect")).findFirst().orElseThrow().body().getString("client");
    assertEquals(connected, asked.body().getString("client"), "one connection, one id, in every call about it");
    assertEquals(java.util.List.of("sessionid=s1"), asked.headers().getAll("Cookie"), "the cookie, once");
    assertNull(c.subscribe("team:red").getValue("result"), "already subscribed");
  }

  @Test
  void theApplicationMayRewriteAPublication(Vertx vertx) throws Exception {
    start(vertx);
    app.json("/subscribe", new JsonObject().put("result", new JsonObject()));
    app.on("/publish", (req, body) -> req.response().end(new JsonObject().put("result", new JsonObject()
        .put("data", new JsonObject().put("text", body.getJsonObject("data").getString("text").toUpperCase())
            .put("by", body.getString("user")))).encode()));
    ProtocolClient c = client(vertx);
    c.subscribe("team:red");
    assertEquals(1, c.publish("team:red", new JsonObject().put("text", "hello")).getJsonObject("result").getLong("seq"));
    assertEquals(new JsonObject().put("text", "HELLO").put("by", "42"), c.nextPublication(5000).getJsonObject("data"));
  }

  @Test
  void anApplicationThatDoesNotAnswerIsError100WithinTheTimeout(Vertx vertx) {
    start(vertx);
    app.fault("/subscribe", StubApp.Fault.SILENT);
    app.fault("/publish", StubApp.Fault.ERROR_500);
    ProtocolClient c = client(vertx);
    long began = System.currentTimeMillis();
    assertEquals(ChannelError.INTERNAL, code(c.subscribe("team:red")));
    assertTrue(System.currentTimeMillis() - began < TIMEOUT_MS + 1500);
    assertEquals(ChannelError.INTERNAL, code(c.publish("team:red", 1)));
    assertEquals(0, c.call(new JsonObject().put("op", "ping")).getJsonObject("result").size(), "the socket stays open");
    assertEquals(1, calls("subscribe", "timeout"));
    assertEquals(1, calls("publish", "status"));
    assertEquals(0, service.app().node().stats().registry().find("socketpush.proxy.in_flight").gauge().value(), "no call is left holding a slot");
  }

  private double calls(String kind, String outcome) {
    var counter = service.app().node().stats().registry().find("socketpush.proxy.calls").tag("kind", kind).tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void theApplicationMayCloseTheConnectionWhenAskedAboutASubscription(Vertx vertx) {
    start(vertx);
    app.json("/subscribe", new JsonObject().put("disconnect", new JsonObject().put("code", 4409).put("reason", "session ended")));
    ProtocolClient c = client(vertx);
    Promise<Short> closed = Promise.promise();
    c.socket().closeHandler(v -> closed.tryComplete(c.socket().closeStatusCode()));
    c.request(new JsonObject().put("op", "subscribe").put("channel", "team:red"));
    assertEquals((short) 4409, Await.result(closed.future(), 10));
    assertEquals("session ended", c.socket().closeReason());
    assertEquals(1, calls("subscribe", "disconnect"));
  }

  @Test
  void restClientsCannotPublishOnAProxyChannelButTheServerSideCan(Vertx vertx) {
    start(vertx);
    assertEquals(403, Await.result(service.post("/api/channels/team:red", "1", null), 10).status());
    assertEquals(202, Await.result(service.post("/api/channels/team:red", "1", "k"), 10).status());
  }

  @Test
  void aProxyRuleWithoutItsUrlFailsStartUp() {
    JsonObject conf = new JsonObject().put("channels", new JsonObject().put("rules", new JsonArray()
        .add(new JsonObject().put("pattern", "team:*").put("subscribe", "proxy"))));
    ConfigException e = assertThrows(ConfigException.class, () -> ServiceConfig.from(ConfigSources.of(conf)));
    assertTrue(e.getMessage().contains("proxy.subscribeUrl"), e.getMessage());
  }
}
