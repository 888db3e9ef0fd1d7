package io.socketpush.transport;

import io.socketpush.Await;
import io.socketpush.TestService;
import io.socketpush.proxy.StubApp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The connect proxy on the transports besides WebSocket: an SSE stream, a SockJS session and a held long-poll are admitted, or refused, as the application says. */
@ExtendWith(VertxExtension.class)
class ProxiedTransportsTest {
  private static final String COOKIE = "sessionid=good";
  /** vertx-web leaves the Cookie header out of a SockJS session's headers (SockJSSocket.headers()): there the application gets Authorization. */
  private static final String AUTHORIZATION = "Session good";
  private StubApp app;
  private TestService service;
  private HttpProbe probe;

  private void start(Vertx vertx) {
    app = Await.result(StubApp.start(vertx), 10);
    // the application knows the session cookie "good" as user 42; anything else is not logged in
    app.on("/connect", (req, body) -> req.response().end((COOKIE.equals(req.getHeader("Cookie")) || AUTHORIZATION.equals(req.getHeader("Authorization"))
        ? new JsonObject().put("result", new JsonObject().put("user", "42").put("name", "Ann")
            .put("channels", new JsonArray().add("user:42")))
        : new JsonObject().put("error", new JsonObject().put("code", 401).put("message", "log in"))).encode()));
    service = Await.result(TestService.start(vertx, new JsonObject()
        .put("tick", new JsonObject().put("periodMs", 100))
        .put("channels", new JsonObject().put("apiKey", "k"))
        .put("proxy", new JsonObject().put("connectUrl", app.url("/connect")).put("timeoutMs", 2000))), 20);
    probe = new HttpProbe(vertx, service.port());
  }

  @Test
  void anSseStreamIsTheApplicationsUser(Vertx vertx) {
    start(vertx);
    assertEquals(401, Await.result(probe.get("/sse/channels/user:42", Map.of("Cookie", "sessionid=bad")), 10).status());
    HttpProbe.Stream sse = Await.result(probe.stream("/sse/channels/user:42", Map.of("Cookie", COOKIE)), 10);
    Await.result(sse.until(t -> t.contains("event: subscribed")), 10);
    assertEquals(202, Await.result(service.post("/api/channels/user:42", "{\"n\":1}", "k"), 10).status());
    Await.result(sse.until(t -> t.contains("{\"n\":1}")), 10);
    assertEquals("sse", app.asked().get(app.asked().size() - 1).body().getString("transport"));
  }

  @Test
  void aSockJsSessionIsTheApplicationsUserAndFollowsItsChannels(Vertx vertx) throws Exception {
    start(vertx);
    String refused = "/sockjs/channels/000/" + System.nanoTime();
    Await.result(probe.send(HttpMethod.POST, refused + "/xhr", Map.of("Cookie", "x=y"), ""), 10); // SockJS opens first, then closes
    String closed = Await.result(probe.send(HttpMethod.POST, refused + "/xhr", Map.of("Cookie", "x=y"), ""), 10).body();
    assertTrue(closed.startsWith("c["), "a session the application refuses is closed: " + closed);
    String session = "/sockjs/channels/000/" + System.nanoTime();
    HttpProbe.Reply open = Await.result(probe.send(HttpMethod.POST, session + "/xhr", Map.of("Authorization", AUTHORIZATION), ""), 10);
    assertEquals("o\n", open.body());
    HttpProbe.Reply subscribed = Await.result(probe.send(HttpMethod.POST, session + "/xhr", Map.of("Authorization", AUTHORIZATION), ""), 10);
    assertTrue(subscribed.body().contains("subscribed") && subscribed.body().contains("user:42"), subscribed.body());
    assertEquals("sockjs", app.asked().get(app.asked().size() - 1).body().getString("transport"));
  }

  @Test
  void aHeldLongPollIsAdmittedByTheApplication(Vertx vertx) {
    start(vertx);
    assertEquals(401, Await.result(probe.get("/api/time/next?after=" + Long.MAX_VALUE / 2, Map.of()), 10).status());
    assertEquals(204, Await.result(probe.get("/api/time/next?after=" + Long.MAX_VALUE / 2, Map.of("Cookie", COOKIE)), 40).status());
    assertEquals("longpoll", app.asked().get(app.asked().size() - 1).body().getString("transport"));
  }
}
