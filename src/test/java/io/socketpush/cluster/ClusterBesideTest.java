package io.socketpush.cluster;

import io.socketpush.Await;
import io.socketpush.TestService;
import io.socketpush.channel.ChannelError;
import io.socketpush.channel.ProtocolClient;
import io.socketpush.proxy.StubApp;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Beside your app on three members: the connect proxy on each, one user's sockets on two members (a WebSocket on
 * each, an SSE stream on the second), the server API asked on the others reaching all of them (a personal
 * publication, the channels in use, a broadcast, the history, the disconnect), and the admin console on the third
 * listing the user's connections with their members.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterBesideTest {
  private static final String KEY = "cluster-beside-key";
  private static TestCluster cluster;
  private static StubApp app;
  private static io.vertx.core.Vertx appVertx;

  @BeforeAll
  static void formCluster() throws Exception {
    appVertx = io.vertx.core.Vertx.vertx();
    app = Await.result(StubApp.start(appVertx), 10);
    // the application's sessions: the cookie sessionid=u<id> is user <id>
    app.on("/connect", (req, body) -> {
      String cookie = req.getHeader("Cookie");
      req.response().end((cookie != null && cookie.startsWith("sessionid=u")
          ? new JsonObject().put("result", new JsonObject().put("user", cookie.substring("sessionid=u".length())))
          : new JsonObject().put("error", new JsonObject().put("code", 401).put("message", "log in"))).encode());
    });
    cluster = TestCluster.start(3, new JsonObject()
        .put("channels", new JsonObject().put("apiKey", KEY))
        .put("proxy", new JsonObject().put("connectUrl", app.url("/connect")).put("timeoutMs", 5000)));
  }

  @AfterAll
  static void leave() {
    cluster.close();
    appVertx.close().await();
  }

  private static ProtocolClient user(TestCluster.Member member, String id) {
    return ProtocolClient.connect(cluster.clientVertx, new WebSocketConnectOptions().setHost(TestService.HOST)
        .setPort(member.port()).setURI("/ws").addHeader("Cookie", "sessionid=u" + id));
  }

  private static TestService.Response call(TestCluster.Member member, HttpMethod method, String path, String body) {
    return Await.result(TestService.on(cluster.clientVertx, () -> {
      var http = cluster.clientVertx.createHttpClient();
      return http.request(new RequestOptions().setMethod(method).setHost(TestService.HOST).setPort(member.port()).setURI(path)
              .putHeader("X-API-Key", KEY).putHeader("Content-Type", "application/json"))
          .compose(req -> body == null ? req.send() : req.send(body))
          .compose(resp -> resp.body().map(b -> new TestService.Response(resp.statusCode(), b)))
          .eventually(http::close);
    }), 15);
  }

  /** Logs in to the admin console of a member (the password is the API key) and GETs one of its API's paths. */
  private static JsonObject admin(TestCluster.Member member, String path) {
    return Await.result(TestService.on(cluster.clientVertx, () -> {
      var http = cluster.clientVertx.createHttpClient();
      return http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(TestService.HOST).setPort(member.port())
              .setURI("/admin/login").putHeader("Content-Type", "application/json"))
          .compose(req -> req.send(new JsonObject().put("password", KEY).encode()))
          .compose(login -> {
            assertEquals(200, login.statusCode());
            String session = login.cookies().get(0).split(";")[0];
            return http.request(new RequestOptions().setHost(TestService.HOST).setPort(member.port()).setURI(path)
                .putHeader("Cookie", session));
          })
          .compose(req -> req.send())
          .compose(resp -> resp.body().map(b -> {
            assertEquals(200, resp.statusCode(), b.toString());
            return b.toJsonObject();
          }))
          .eventually(http::close);
    }), 15);
  }

  /** An SSE stream of a channel with the user's session cookie: the text received so far, and whether it has ended. */
  private static final class SseStream {
    final StringBuffer text = new StringBuffer();
    final Promise<Void> ended = Promise.promise();

    static SseStream open(TestCluster.Member member, String channel, String user) {
      SseStream stream = new SseStream();
      Await.result(TestService.on(cluster.clientVertx, () -> {
        var http = cluster.clientVertx.createHttpClient();
        TestService.keepReachable(cluster.clientVertx, http);
        return http.request(new RequestOptions().setHost(TestService.HOST).setPort(member.port()).setURI("/sse/channels/" + channel)
                .putHeader("Cookie", "sessionid=u" + user))
            .compose(req -> req.send())
            .map(resp -> {
              assertEquals(200, resp.statusCode());
              resp.handler(chunk -> stream.text.append(chunk.toString()));
              resp.endHandler(v -> stream.ended.tryComplete());
              resp.exceptionHandler(stream.ended::tryFail);
              return stream;
            });
      }), 15);
      return stream;
    }

    void until(String seen) throws InterruptedException {
      Await.until(() -> text.toString().contains(seen), 15_000);
    }
  }

  @Test
  void oneUsersSocketsOnTwoMembersAreReachedAndEndedFromTheThird() throws Exception {
    TestCluster.Member first = cluster.members.get(0);
    TestCluster.Member second = cluster.members.get(1);
    TestCluster.Member third = cluster.members.get(2);
    ProtocolClient phone = user(first, "42");
    ProtocolClient laptop = user(second, "42");
    ProtocolClient bob = user(third, "43");
    for (ProtocolClient c : new ProtocolClient[] {phone, laptop}) {
      assertEquals("user:42", c.subscribe("user:42").getJsonObject("result").getString("channel"));
    }
    bob.subscribe("user:43");
    assertEquals(ChannelError.PERMISSION_DENIED, bob.subscribe("user:42").getJsonObject("error").getInteger("code"));
    SseStream tablet = SseStream.open(second, "user:42", "42"); // another transport, vouched for by the application too
    tablet.until("event: subscribed");

    assertEquals(202, call(third, HttpMethod.POST, "/api/channels/user:42", "{\"text\":\"shipped\"}").status());
    assertEquals(202, call(third, HttpMethod.POST, "/api/channels/user:43", "{\"text\":\"bob's\"}").status());
    assertEquals("shipped", phone.nextPublication(10_000).getJsonObject("data").getString("text"));
    assertEquals("shipped", laptop.nextPublication(10_000).getJsonObject("data").getString("text"));
    tablet.until("shipped");
    assertEquals("bob's", bob.nextPublication(10_000).getJsonObject("data").getString("text"), "bob got only his own");

    JsonObject listed = call(third, HttpMethod.GET, "/api/channels?pattern=user:*", null).body().toJsonObject();
    assertEquals(new JsonArray().add(new JsonObject().put("channel", "user:42").put("subscribers", 3))
        .add(new JsonObject().put("channel", "user:43").put("subscribers", 1)), listed.getJsonArray("channels"));

    // one publication to both users from the first member, and 42's history read on the third
    JsonObject broadcast = call(first, HttpMethod.POST, "/api/publish",
        "{\"channels\":[\"user:42\",\"user:43\"],\"data\":{\"text\":\"maintenance\"}}").body().toJsonObject();
    assertEquals(new JsonArray().add(new JsonObject().put("channel", "user:42").put("seq", 2))
        .add(new JsonObject().put("channel", "user:43").put("seq", 2)), broadcast.getJsonArray("results"));
    for (ProtocolClient c : new ProtocolClient[] {phone, laptop, bob}) {
      assertEquals("maintenance", c.nextPublication(10_000).getJsonObject("data").getString("text"));
    }
    JsonObject history = call(third, HttpMethod.GET, "/api/channels/user:42/history?since=0", null).body().toJsonObject();
    assertEquals(2, history.getLong("seq"));
    assertEquals(List.of("shipped", "maintenance"), history.getJsonArray("publications").stream()
        .map(p -> ((JsonObject) p).getJsonObject("data").getString("text")).toList());

    // the console on the third lists 42's three connections, each with the member that holds it
    Map<String, Integer> ports = admin(third, "/admin/api/overview").getJsonArray("members").stream().map(m -> (JsonObject) m)
        .collect(Collectors.toMap(m -> m.getString("id"), m -> Integer.parseInt(m.getString("address").replaceAll(".*:", ""))));
    JsonObject listed42 = admin(third, "/admin/api/users/42");
    assertEquals(3, listed42.getInteger("count"));
    assertEquals(false, listed42.getBoolean("truncated"));
    assertEquals(Map.of("channels@" + first.port(), 1L, "channels@" + second.port(), 1L, "sse-channels@" + second.port(), 1L),
        listed42.getJsonArray("connections").stream().map(c -> (JsonObject) c)
            .collect(Collectors.groupingBy(c -> c.getString("transport") + "@" + ports.get(c.getString("member")), Collectors.counting())));

    Promise<Short> phoneClosed = Promise.promise();
    Promise<Short> laptopClosed = Promise.promise();
    phone.socket().closeHandler(v -> phoneClosed.tryComplete(phone.socket().closeStatusCode()));
    laptop.socket().closeHandler(v -> laptopClosed.tryComplete(laptop.socket().closeStatusCode()));
    TestService.Response done = call(third, HttpMethod.POST, "/api/users/42/disconnect", null);
    assertEquals(new JsonObject().put("user", "42").put("disconnected", 3), done.body().toJsonObject());
    assertEquals((short) 4000, Await.result(phoneClosed.future(), 10));
    assertEquals((short) 4000, Await.result(laptopClosed.future(), 10));
    Await.result(tablet.ended.future(), 10);
    assertEquals(0, bob.call(new JsonObject().put("op", "ping")).getJsonObject("result").size(), "bob stays connected");
  }
}
