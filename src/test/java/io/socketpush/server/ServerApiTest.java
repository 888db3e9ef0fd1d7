package io.socketpush.server;

import io.socketpush.Await;
import io.socketpush.TestService;
import io.socketpush.channel.ChannelError;
import io.socketpush.channel.ProtocolClient;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The server API beyond publishing: channels in use, history, one publication to many channels; REST and event bus alike. */
@ExtendWith(VertxExtension.class)
class ServerApiTest {
  private static final String KEY = "server-api-test-key";
  private TestService service;

  private void start(Vertx vertx) {
    service = Await.result(TestService.start(vertx, new JsonObject().put("channels", new JsonObject().put("apiKey", KEY))), 20);
  }

  private static JsonObject json(TestService.Response response, int status) {
    assertEquals(status, response.status(), response.body().toString());
    return response.body().toJsonObject();
  }

  @Test
  void theChannelsInUseWithTheirSubscribers(Vertx vertx) {
    start(vertx);
    ProtocolClient a = ProtocolClient.connect(vertx, service.port(), "/ws");
    ProtocolClient b = ProtocolClient.connect(vertx, service.port(), "/ws");
    a.subscribe("chat:a");
    b.subscribe("chat:a");
    b.subscribe("chat:b");
    a.subscribe("news:x");
    JsonObject listed = json(Await.result(get(vertx, "/api/channels?pattern=chat:*"), 10), 200);
    assertEquals(new JsonArray().add(new JsonObject().put("channel", "chat:a").put("subscribers", 2))
        .add(new JsonObject().put("channel", "chat:b").put("subscribers", 1)), listed.getJsonArray("channels"));
    JsonObject all = Await.result(vertx.eventBus().<JsonObject>request("channels.list", new JsonObject()), 10).body();
    assertEquals(3, all.getJsonArray("channels").size(), all.encode());
  }

  private io.vertx.core.Future<TestService.Response> get(Vertx vertx, String path) {
    return TestService.on(vertx, () -> {
      var http = vertx.createHttpClient();
      return http.request(new io.vertx.core.http.RequestOptions().setHost(TestService.HOST).setPort(service.port())
              .setURI(path).putHeader("X-API-Key", KEY))
          .compose(req -> req.send())
          .compose(resp -> resp.body().map(body -> new TestService.Response(resp.statusCode(), body)))
          .eventually(http::close);
    });
  }

  @Test
  void withoutTheKeyEveryCallIs401AndTheSameForAChannelThatDoesNotExist(Vertx vertx) {
    start(vertx);
    for (String path : new String[] {"/api/channels", "/api/channels/chat:a/history", "/api/channels/nope:x/history"}) {
      TestService.Response response = Await.result(service.get(path), 10);
      assertEquals(401, response.status(), path);
      assertEquals(ChannelError.UNAUTHORIZED, response.body().toJsonObject().getJsonObject("error").getInteger("code"));
    }
    assertEquals(401, Await.result(service.post("/api/publish", "{\"channels\":[\"news:a\"],\"data\":1}", null), 10).status());
    assertEquals(401, Await.result(service.post("/api/publish", "{\"channels\":[\"news:a\"],\"data\":1}", "wrong"), 10).status());
    assertEquals(Await.result(service.get("/api/channels/chat:a/history"), 10).body(),
        Await.result(service.get("/api/channels/nope:x/history"), 10).body(), "a channel that exists and one that does not: the same answer");
    String large = "{\"channels\":[\"news:a\"],\"data\":\"" + "x".repeat(2 << 20) + "\"}";
    assertEquals(401, Await.result(service.post("/api/publish", large, null), 10).status(), "the key first: a stranger's body is not read");
    TestService.Response tooLarge = Await.result(service.post("/api/publish", large, KEY), 10);
    assertEquals(413, tooLarge.status(), "the key's holder is held to the limit");
    assertEquals(ChannelError.TOO_LARGE, tooLarge.body().toJsonObject().getJsonObject("error").getInteger("code"));
    assertEquals(401, Await.result(service.post("/api/users/42/disconnect", "{\"reason\":\"" + "x".repeat(8192) + "\"}", null), 10).status());
  }

  @Test
  void theEventBusTwinsAnswerAsTheRestCalls(Vertx vertx) {
    start(vertx);
    ProtocolClient tab = ProtocolClient.connect(vertx, service.port(), "/ws");
    tab.subscribe("news:h");
    for (int i = 1; i <= 2; i++) {
      assertEquals(202, Await.result(service.post("/api/channels/news:h", "{\"n\":" + i + "}", KEY), 10).status());
    }
    JsonObject history = Await.result(vertx.eventBus().<JsonObject>request("channels.history",
        new JsonObject().put("channel", "news:h").put("since", 1)), 10).body();
    assertEquals(json(Await.result(get(vertx, "/api/channels/news:h/history?since=1"), 10), 200), history);
    assertEquals(1, history.getJsonArray("publications").size());

    JsonObject none = Await.result(vertx.eventBus().<JsonObject>request("users.disconnect", new JsonObject().put("user", "42")), 10).body();
    assertEquals(new JsonObject().put("user", "42").put("disconnected", 0), none);
    Throwable bad = Await.result(vertx.eventBus().request("users.disconnect", new JsonObject().put("user", "4 2")).transform(done ->
        io.vertx.core.Future.succeededFuture(done.cause())), 10);
    assertInstanceOf(ReplyException.class, bad);
    assertEquals(ChannelError.BAD_REQUEST, ((ReplyException) bad).failureCode());
  }

  @Test
  void historyIsTheKeptPublicationsOldestFirst(Vertx vertx) {
    start(vertx);
    for (int i = 1; i <= 3; i++) {
      assertEquals(202, Await.result(service.post("/api/channels/news:h", "{\"n\":" + i + "}", KEY), 10).status());
    }
    JsonObject all = json(Await.result(get(vertx, "/api/channels/news:h/history"), 10), 200);
    assertEquals(3, all.getLong("seq"));
    assertEquals(3, all.getJsonArray("publications").size());
    assertEquals(new JsonObject().put("n", 1), all.getJsonArray("publications").getJsonObject(0).getJsonObject("data"));
    JsonObject some = json(Await.result(get(vertx, "/api/channels/news:h/history?since=1&limit=1"), 10), 200);
    assertEquals(1, some.getJsonArray("publications").size());
    assertEquals(2, some.getJsonArray("publications").getJsonObject(0).getLong("seq"));
    assertEquals(all.getString("epoch"), some.getString("epoch"));
    assertEquals(404, Await.result(get(vertx, "/api/channels/nope:x/history"), 10).status());
    assertEquals(400, Await.result(get(vertx, "/api/channels/news:h/history?since=x"), 10).status());
  }

  @Test
  void onePublicationToManyChannelsGetsEachChannelsSeq(Vertx vertx) throws Exception {
    start(vertx);
    assertEquals(202, Await.result(service.post("/api/channels/user:2", "0", KEY), 10).status());
    JsonObject reply = json(Await.result(service.post("/api/publish",
        "{\"channels\":[\"user:1\",\"user:2\",\"nope:x\"],\"data\":{\"text\":\"maintenance at 10\"}}", KEY), 10), 200);
    JsonArray results = reply.getJsonArray("results");
    assertEquals(new JsonObject().put("channel", "user:1").put("seq", 1), results.getJsonObject(0));
    assertEquals(new JsonObject().put("channel", "user:2").put("seq", 2), results.getJsonObject(1));
    assertEquals(ChannelError.UNKNOWN_CHANNEL, results.getJsonObject(2).getJsonObject("error").getInteger("code"));
    assertEquals(400, Await.result(service.post("/api/publish", "{\"channels\":[]}", KEY), 10).status());

    JsonObject bus = Await.result(vertx.eventBus().<JsonObject>request("channels.broadcast",
        new JsonObject().put("channels", new JsonArray().add("user:1")).put("data", 1)), 10).body();
    assertEquals(2, bus.getJsonArray("results").getJsonObject(0).getLong("seq"));
    Throwable bad = Await.result(vertx.eventBus().request("channels.history", new JsonObject()).transform(done ->
        io.vertx.core.Future.succeededFuture(done.cause())), 10);
    assertInstanceOf(ReplyException.class, bad);
    assertEquals(ChannelError.BAD_REQUEST, ((ReplyException) bad).failureCode());
  }
}
