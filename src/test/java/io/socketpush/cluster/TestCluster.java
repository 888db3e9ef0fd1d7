package io.socketpush.cluster;

import io.socketpush.VertxFactory;

import io.socketpush.Await;
import io.socketpush.SocketPush;
import io.socketpush.TestService;
import io.socketpush.config.ConfigSources;
import io.socketpush.config.ServiceConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Clustered members in this JVM, on 127.0.0.1 with TCP-IP join, free ports and a cluster name of
 * their own, so test classes never join each other's cluster.
 */
final class TestCluster {
  final List<Member> members = new CopyOnWriteArrayList<>();
  final Vertx clientVertx = Vertx.vertx();
  private String name;
  private String seeds;
  private JsonObject conf;

  record Member(Vertx vertx, SocketPush app, Vertx clientVertx) {
    int port() {
      return app.httpPort();
    }

    JsonObject stats() {
      return Await.result(TestService.on(clientVertx, () -> {
        var http = clientVertx.createHttpClient();
        return http.request(HttpMethod.GET, app.httpPort(), "127.0.0.1", "/api/stats")
            .compose(req -> req.send()).compose(resp -> resp.body()).map(b -> b.toJsonObject())
            .eventually(http::close);
      }), 10);
    }

    HazelcastClusterManager hazelcast() {
      return (HazelcastClusterManager) ((VertxInternal) vertx).clusterManager();
    }
  }

  /** Starts {@code size} members with the given configuration over the defaults; returns once each sees them all. */
  static TestCluster start(int size, JsonObject conf) throws Exception {
    TestCluster cluster = new TestCluster();
    String name = "socket-push-test-" + UUID.randomUUID();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      ports.add(freePort());
    }
    String seeds = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    cluster.name = name;
    cluster.seeds = seeds;
    cluster.conf = conf;
    List<Future<Member>> starting = new ArrayList<>();
    for (int port : ports) {
      starting.add(cluster.startMember(port));
    }
    Future.all(starting).await(60, TimeUnit.SECONDS);
    starting.forEach(f -> cluster.members.add(f.result()));
    // the cluster has formed once every member sees them all: only then may messages cross it
    Await.until(() -> cluster.members.stream()
        .allMatch(m -> m.stats().getJsonObject("cluster").getInteger("members") == size), 30_000);
    cluster.awaitSafe();
    return cluster;
  }

  private Future<Member> startMember(int port) {
    JsonObject memberConf = new JsonObject()
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 1))
        .mergeIn(conf.copy(), true)
        .put("cluster", new JsonObject().put("enabled", true).put("name", name).put("port", port).put("members", seeds));
    ServiceConfig config = ServiceConfig.from(ConfigSources.of(memberConf));
    return VertxFactory.create(config.cluster(), config.channels())
        .compose(vertx -> SocketPush.start(vertx, config).map(app -> new Member(vertx, app, clientVertx)));
  }

  /** Starts one more member, which joins through the first members' addresses; returns once it runs. */
  Member add() throws Exception {
    Member member = startMember(freePort()).await(60, TimeUnit.SECONDS);
    members.add(member);
    return member;
  }

  /** Waits until every partition has its owner and its backup in place (no migration going on). */
  void awaitSafe() throws InterruptedException {
    Await.until(() -> members.stream().allMatch(m -> m.hazelcast().getHazelcastInstance().getPartitionService().isClusterSafe()), 30_000);
  }

  /** Terminates a member's Hazelcast under its feet (no leave message, nothing released), then its Vert.x. */
  void kill(Member member) {
    member.hazelcast().getHazelcastInstance().getLifecycleService().terminate();
    member.vertx.close();
    members.remove(member);
  }

  void close() {
    for (Member m : members) {
      m.vertx.close().await();
    }
    clientVertx.close().await();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
