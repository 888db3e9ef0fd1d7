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
 * with its own figures (over the event bus), and exactly one of them leads the ticker.
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
}
