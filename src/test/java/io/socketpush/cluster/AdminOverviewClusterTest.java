package io.socketpush.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The admin console's overview covers the whole cluster: whichever member is asked, every member answers
 * with its own figures (over the event bus), and exactly one of them leads the ticker; a session made on one
 * member is good on every other, as behind a balancer without sticky sessions.
 */
class AdminOverviewClusterTest {
  private static final String PASSWORD = "cluster-admin";
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void theOverviewListsEveryMemberAndOneTickerLeader() throws Exception {
    cluster = TestCluster.start(2, new JsonObject().put("admin", new JsonObject().put("password", PASSWORD)));
    HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    String base = "http://127.0.0.1:" + cluster.members.get(1).port();
    HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(base + "/admin/login"))
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("password", PASSWORD).encode()))
        .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, login.statusCode(), login.body());

    HttpResponse<String> overview = http.send(HttpRequest.newBuilder(URI.create(base + "/admin/api/overview")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, overview.statusCode(), overview.body());
    JsonArray members = new JsonObject(overview.body()).getJsonArray("members");
    assertEquals(2, members.size(), overview.body());
    Set<String> ids = new HashSet<>();
    int leaders = 0;
    for (int i = 0; i < members.size(); i++) {
      JsonObject member = members.getJsonObject(i);
      ids.add(member.getString("id"));
      leaders += member.getBoolean("leader") ? 1 : 0;
    }
    assertEquals(2, ids.size(), "two different members");
    assertEquals(1, leaders, "one ticker leader: " + overview.body());
  }

  @Test
  void aLoginOnOneMemberIsASessionOnEveryMember() throws Exception {
    cluster = TestCluster.start(2, new JsonObject().put("admin", new JsonObject().put("password", PASSWORD)));
    HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build(); // cookies ignore the port
    String first = "http://127.0.0.1:" + cluster.members.get(0).port();
    String second = "http://127.0.0.1:" + cluster.members.get(1).port();
    assertEquals(401, http.send(HttpRequest.newBuilder(URI.create(second + "/admin/api/session")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode(), "no session before the login");
    HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(first + "/admin/login"))
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("password", PASSWORD).encode()))
        .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, login.statusCode(), login.body());
    String csrf = new JsonObject(login.body()).getString("csrf");

    HttpResponse<String> session = http.send(HttpRequest.newBuilder(URI.create(second + "/admin/api/session")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, session.statusCode(), session.body());
    assertEquals(csrf, new JsonObject(session.body()).getString("csrf"), "the same session, its CSRF token too");
    HttpResponse<String> published = http.send(HttpRequest.newBuilder(URI.create(second + "/admin/api/channels/news:admin"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"from the second member\"}"))
        .header("Content-Type", "application/json").header("X-CSRF-Token", csrf).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, published.statusCode(), published.body());

    HttpResponse<String> logout = http.send(HttpRequest.newBuilder(URI.create(second + "/admin/api/logout"))
        .POST(HttpRequest.BodyPublishers.noBody()).header("X-CSRF-Token", csrf).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(204, logout.statusCode(), logout.body());
    assertEquals(401, http.send(HttpRequest.newBuilder(URI.create(first + "/admin/api/session")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode(), "a logout on one member ends the session on the other");
  }
}
