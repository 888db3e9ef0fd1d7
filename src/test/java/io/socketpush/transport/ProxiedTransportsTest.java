package io.socketpush.transport;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.socketpush.Await;
import io.socketpush.TestService;
import io.socketpush.channel.ProtocolClient;
import io.socketpush.proxy.StubApp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connect proxy on every transport: a WebSocket, an SSE stream, each of SockJS's HTTP transports and a held
 * long-poll are admitted, or refused, as the application says from the session cookie it is passed; and the
 * {@code client} it is told is the id the connection then has.
 */
@ExtendWith(VertxExtension.class)
class ProxiedTransportsTest {
  /** A browser sends every cookie of the site: all of them reach the application, as they came. */
  private static final String COOKIE = "sessionid=good; csrftoken=abc";
  private Vertx vertx;
  private StubApp app;
  private TestService service;
  private HttpProbe probe;

  private void start(Vertx vertx) {
    start(vertx, new JsonObject());
  }

  /** @param overrides merged over this test's configuration (JWT settings, for example) */
  private void start(Vertx vertx, JsonObject overrides) {
    this.vertx = vertx;
    app = Await.result(StubApp.start(vertx), 10);
    // the application knows the session cookie "good" as user 42; anything else is not logged in
    app.on("/connect", (req, body) -> req.response().end((COOKIE.equals(req.getHeader("Cookie"))
        ? new JsonObject().put("result", new JsonObject().put("user", "42").put("name", "Ann")
            .put("channels", new JsonArray().add("user:42")))
        : new JsonObject().put("error", new JsonObject().put("code", 401).put("message", "log in"))).encode()));
    service = Await.result(TestService.start(vertx, new JsonObject()
        .put("tick", new JsonObject().put("periodMs", 100))
        .put("longpoll", new JsonObject().put("timeoutMs", 500))
        .put("channels", new JsonObject().put("apiKey", "k"))
        .put("proxy", new JsonObject().put("connectUrl", app.url("/connect")).put("timeoutMs", 2000)).mergeIn(overrides, true)), 20);
    probe = new HttpProbe(vertx, service.port());
  }

  /** The last connect call the application was asked, over this transport. */
  private StubApp.Asked lastConnect(String transport) {
    List<StubApp.Asked> connects = app.asked().stream()
        .filter(a -> a.path().equals("/connect") && transport.equals(a.body().getString("transport"))).toList();
    assertTrue(!connects.isEmpty(), "the application was not asked about a " + transport + " connection");
    return connects.get(connects.size() - 1);
  }

  /** The client ids presence lists for a channel, asked over REST. */
  private List<String> present(String channel) {
    JsonObject presence = new JsonObject(Await.result(probe.get("/api/channels/" + channel + "/presence", Map.of()), 10).body());
    return presence.getJsonArray("clients").stream().map(c -> ((JsonObject) c).getString("client")).toList();
  }

  /** Waits until presence lists exactly this client (a join is announced just after the subscribe reply). */
  private void awaitPresent(String channel, String client) throws InterruptedException {
    Await.until(() -> present(channel).equals(List.of(client)), 10_000);
  }

  @Test
  void anSseStreamIsTheApplicationsUser(Vertx vertx) {
    start(vertx);
    assertEquals(401, Await.result(probe.get("/sse/channels/user:42", Map.of("Cookie", "sessionid=bad")), 10).status());
    HttpProbe.Stream sse = Await.result(probe.stream("/sse/channels/user:42", Map.of("Cookie", COOKIE)), 10);
    Await.result(sse.until(t -> t.contains("event: subscribed")), 10);
    assertEquals(202, Await.result(service.post("/api/channels/user:42", "{\"n\":1}", "k"), 10).status());
    Await.result(sse.until(t -> t.contains("{\"n\":1}")), 10);
    assertEquals(COOKIE, lastConnect("sse").headers().get("Cookie"));
  }

  @Test
  void anSseStreamTheApplicationClosesIsRefused403(Vertx vertx) {
    start(vertx);
    app.json("/connect", new JsonObject().put("disconnect", new JsonObject().put("code", 4403).put("reason", "banned")));
    assertEquals(403, Await.result(probe.get("/sse/channels/chat:lobby", Map.of("Cookie", COOKIE)), 10).status());
  }

  @Test
  void aSockJsSessionTheApplicationRefusesIsClosed(Vertx vertx) {
    start(vertx);
    String refused = "/sockjs/channels/000/" + System.nanoTime();
    Await.result(probe.send(HttpMethod.POST, refused + "/xhr", Map.of("Cookie", "sessionid=bad"), ""), 10); // SockJS opens first, then closes
    String closed = Await.result(probe.send(HttpMethod.POST, refused + "/xhr", Map.of("Cookie", "sessionid=bad"), ""), 10).body();
    assertTrue(closed.startsWith("c["), "a session the application refuses is closed: " + closed);
    assertEquals("sessionid=bad", lastConnect("sockjs").headers().get("Cookie"));
  }

  /** SockJS's HTTP transports: the request that opens a session, and how the session's first frames come back. */
  enum SockJsTransport {
    XHR_POLLING(HttpMethod.POST, "/xhr", false),
    XHR_STREAMING(HttpMethod.POST, "/xhr_streaming", true),
    EVENTSOURCE(HttpMethod.GET, "/eventsource", true),
    HTMLFILE(HttpMethod.GET, "/htmlfile?c=callback", true),
    JSONP_POLLING(HttpMethod.GET, "/jsonp?c=callback", false);

    final HttpMethod method;
    final String path;
    final boolean streaming;

    SockJsTransport(HttpMethod method, String path, boolean streaming) {
      this.method = method;
      this.path = path;
      this.streaming = streaming;
    }
  }

  @ParameterizedTest
  @EnumSource(SockJsTransport.class)
  void aSockJsSessionOverEveryHttpTransportPassesTheSessionCookieOn(SockJsTransport transport, Vertx vertx) {
    start(vertx);
    String session = "/sockjs/channels/000/" + System.nanoTime() + transport.path;
    Map<String, String> cookie = Map.of("Cookie", COOKIE);
    String frames;
    if (transport.streaming) {
      HttpProbe.Stream stream = Await.result(probe.stream(transport.method, session, cookie), 10);
      frames = Await.result(stream.until(t -> t.contains("subscribed")), 10);
      stream.close();
    } else {
      String body = transport.method == HttpMethod.POST ? "" : null;
      String open = Await.result(probe.send(transport.method, session, cookie, body), 10).body();
      assertTrue(open.startsWith("o") || open.contains("(\"o\")"), "no open frame: " + open);
      frames = open;
      // vertx-web may send the open frame twice to polls that come at once (see SockJsSessions.opened): poll on
      for (int poll = 0; poll < 5 && !frames.contains("subscribed"); poll++) {
        frames = Await.result(probe.send(transport.method, session, cookie, body), 10).body();
      }
    }
    // the application's answer made the session user 42's, subscribed at once to user:42
    assertTrue(frames.contains("subscribed") && frames.contains("user:42"), frames);
    assertEquals(COOKIE, lastConnect("sockjs").headers().get("Cookie"), "every cookie of the opening request, as it came");
  }

  @Test
  void aSockJsWebSocketPassesTheSessionCookieOnToo(Vertx vertx) throws Exception {
    start(vertx);
    var client = vertx.createWebSocketClient();
    TestService.keepReachable(vertx, client);
    StringBuffer frames = new StringBuffer();
    // the handler set as the socket opens, on its event loop: the application's subscription comes at once
    Await.result(client.connect(new WebSocketConnectOptions().setHost(TestService.HOST).setPort(service.port())
        .setURI("/sockjs/channels/000/" + System.nanoTime() + "/websocket").addHeader("Cookie", COOKIE))
        .map(ws -> ws.textMessageHandler(frames::append)), 10);
    Await.until(() -> frames.toString().contains("subscribed") && frames.toString().contains("user:42"), 10_000);
    assertEquals(COOKIE, lastConnect("sockjs").headers().get("Cookie"));
  }

  @Test
  void aHeldLongPollIsAdmittedByTheApplication(Vertx vertx) {
    start(vertx);
    assertEquals(401, Await.result(probe.get("/api/time/next?after=" + Long.MAX_VALUE / 2, Map.of()), 10).status());
    assertEquals(204, Await.result(probe.get("/api/time/next?after=" + Long.MAX_VALUE / 2, Map.of("Cookie", COOKIE)), 10).status());
    assertEquals(COOKIE, lastConnect("longpoll").headers().get("Cookie"));
  }

  @Test
  void theClientTheApplicationIsToldIsTheWebSocketsId(Vertx vertx) throws Exception {
    start(vertx);
    Logger access = (Logger) LoggerFactory.getLogger("socketpush.access");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    access.addAppender(lines);
    try {
      ProtocolClient ws = ProtocolClient.connect(vertx, new WebSocketConnectOptions().setHost(TestService.HOST)
          .setPort(service.port()).setURI("/ws").addHeader("Cookie", COOKIE));
      ws.subscribe("chat:lobby");
      String client = lastConnect("websocket").body().getString("client");
      awaitPresent("chat:lobby", client);
      JsonObject presence = ws.call(new JsonObject().put("op", "presence").put("channel", "chat:lobby")).getJsonObject("result");
      assertEquals(client, presence.getJsonArray("clients").getJsonObject(0).getString("client"), "as the client itself sees it");
      assertTrue(lines.list.stream().map(ILoggingEvent::getFormattedMessage)
          .anyMatch(l -> l.startsWith("socket opened endpoint=channels") && l.contains(" client=" + client + " subject=42")),
          "the access log names it: " + lines.list);
    } finally {
      access.detachAppender(lines);
    }
  }

  @Test
  void theClientTheApplicationIsToldIsTheSseStreamsId(Vertx vertx) throws Exception {
    start(vertx);
    HttpProbe.Stream sse = Await.result(probe.stream("/sse/channels/chat:lobby", Map.of("Cookie", COOKIE)), 10);
    Await.result(sse.until(t -> t.contains("event: subscribed")), 10);
    String client = lastConnect("sse").body().getString("client");
    assertEquals(client, sse.response.getHeader("Socket-Push-Client"));
    awaitPresent("chat:lobby", client);
  }

  @Test
  void theClientTheApplicationIsToldIsTheSockJsSessionsId(Vertx vertx) throws Exception {
    start(vertx);
    SockJsChannelClient sockJs = SockJsChannelClient.xhrPolling(probe, "", Map.of("Cookie", COOKIE));
    assertTrue(sockJs.call(new JsonObject().put("op", "subscribe").put("channel", "chat:lobby")).containsKey("result"));
    String client = lastConnect("sockjs").body().getString("client");
    awaitPresent("chat:lobby", client);
    JsonObject presence = sockJs.call(new JsonObject().put("op", "presence").put("channel", "chat:lobby")).getJsonObject("result");
    assertEquals(client, presence.getJsonArray("clients").getJsonObject(0).getString("client"), "as the client itself sees it");
  }

  @Test
  void theClientTheApplicationIsToldIsTheHeldLongPollsIdAndTheDisconnectAnswersIt(Vertx vertx) throws Exception {
    start(vertx, new JsonObject().put("longpoll", new JsonObject().put("timeoutMs", 60_000)));
    var held = probe.get("/api/time/next?after=" + Long.MAX_VALUE / 2, Map.of("Cookie", COOKIE));
    Await.until(() -> Await.result(service.stats(), 10).getJsonObject("socketsOpen").getLong("longpoll", 0L) == 1, 10_000);
    HttpProbe.Reply ended = Await.result(probe.send(HttpMethod.POST, "/api/users/42/disconnect", Map.of("X-API-Key", "k"), ""), 10);
    assertEquals(new JsonObject().put("user", "42").put("disconnected", 1), new JsonObject(ended.body()));
    HttpProbe.Reply answered = Await.result(held, 10);
    assertEquals(204, answered.status(), "answered at once, not after longpoll.timeoutMs");
    assertEquals(lastConnect("longpoll").body().getString("client"), answered.headers().get("Socket-Push-Client"));
  }

  @Test
  void withTokensRequiredTheApplicationsWordIsEnoughOnEveryTransport(Vertx vertx) throws Exception {
    start(vertx, new JsonObject().put("security", new JsonObject().put("jwt", new JsonObject()
        .put("required", true).put("secret", "proxied-transports-test-secret-long-enough"))));
    Map<String, String> cookie = Map.of("Cookie", COOKIE);
    ProtocolClient ws = ProtocolClient.connect(vertx, new WebSocketConnectOptions().setHost(TestService.HOST)
        .setPort(service.port()).setURI("/ws").addHeader("Cookie", COOKIE));
    assertTrue(ws.subscribe("chat:lobby").containsKey("result"), "a WebSocket");
    HttpProbe.Stream sse = Await.result(probe.stream("/sse/channels/chat:lobby", cookie), 10);
    Await.result(sse.until(t -> t.contains("event: subscribed")), 10);
    SockJsChannelClient sockJs = SockJsChannelClient.xhrPolling(probe, "", cookie);
    assertTrue(sockJs.call(new JsonObject().put("op", "subscribe").put("channel", "chat:lobby")).containsKey("result"),
        "a SockJS session: its polls and sends after the opening one");
    assertEquals(204, Await.result(probe.get("/api/time/next?after=" + Long.MAX_VALUE / 2, cookie), 10).status(), "a held long-poll");
    HttpProbe.Reply poll = Await.result(probe.get("/api/time", cookie), 10);
    assertTrue(poll.status() == 200 || poll.status() == 204, "a poll answered at once: " + poll.status());
    assertEquals(COOKIE, lastConnect("poll").headers().get("Cookie"));
    assertEquals(401, Await.result(probe.get("/api/time", Map.of()), 10).status(), "a poll without either");
    assertEquals(401, Await.result(probe.get("/sse/channels/chat:lobby", Map.of("Cookie", "sessionid=bad")), 10).status(),
        "and neither a token nor the application's word is still 401");
  }
}
