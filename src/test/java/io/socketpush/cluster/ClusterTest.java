package io.socketpush.cluster;

import io.socketpush.VertxFactory;

import com.hazelcast.core.Hazelcast;
import io.socketpush.SocketPush;
import io.socketpush.config.ClusterConfig;
import io.socketpush.config.ConfigSources;
import io.socketpush.config.ServiceConfig;
import io.vertx.core.Future;
import io.socketpush.Await;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three clustered members in this JVM, on 127.0.0.1 with TCP-IP join and a cluster name of their
 * own. The failover test runs last: it kills the leading member.
 */
@ExtendWith(VertxExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterTest {
  private static final long PERIOD = 500;
  private static final List<WebSocketClient> clients = new CopyOnWriteArrayList<>();
  private static TestCluster cluster;
  private static List<TestCluster.Member> members;
  private static Vertx clientVertx;

  @BeforeAll
  static void formCluster() throws Exception {
    cluster = TestCluster.start(3, new JsonObject()
        .put("tick", new JsonObject().put("periodMs", PERIOD)));
    members = cluster.members;
    clientVertx = cluster.clientVertx;
  }

  @AfterAll
  static void leave() {
    cluster.close();
  }

  @Test
  @Order(1)
  void exactlyOneMemberPublishes() throws Exception {
    Await.until(() -> members.stream().filter(m -> m.stats().getBoolean("leadingTicker")).count() == 1, 10_000);
    Thread.sleep(2 * PERIOD); // let a few ticks pass: no other member may start publishing
    List<JsonObject> stats = members.stream().map(TestCluster.Member::stats).toList();
    assertEquals(1, stats.stream().filter(s -> s.getBoolean("leadingTicker")).count(), stats.toString());
    assertEquals(1, stats.stream().filter(s -> s.getLong("ticksPublished") > 0).count(), stats.toString());
  }

  @Test
  @Order(2)
  void socketsOnEveryMemberReceiveEachTickOnce(VertxTestContext ctx) {
    List<List<Long>> seen = List.of(new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
    List<Future<WebSocket>> sockets = IntStream.range(0, 3).mapToObj(i -> connect(members.get(i))).toList();
    Future.all(sockets).onComplete(ctx.succeeding(all -> {
      for (int i = 0; i < 3; i++) {
        List<Long> mine = seen.get(i);
        sockets.get(i).result().textMessageHandler(text -> {
          mine.add(new JsonObject(text).getLong("ts"));
          if (seen.stream().allMatch(l -> l.size() >= 4)) {
            ctx.verify(() -> {
              for (List<Long> l : seen) {
                assertStrictlyIncreasing(l);
              }
              // the last three ticks any socket saw were seen by all: whichever member published them
              List<Long> common = new ArrayList<>(seen.get(0));
              seen.forEach(common::retainAll);
              assertTrue(common.size() >= 3, "common ticks " + common + " of " + seen);
            });
            ctx.completeNow();
          }
        });
      }
    }));
  }

  @Test
  @Order(4)
  void tickerFailsOverWithin5sWhenItsMemberDiesAbruptly() throws Exception {
    TestCluster.Member leader = members.stream().filter(m -> m.stats().getBoolean("leadingTicker")).findFirst().orElseThrow();
    List<TestCluster.Member> survivors = members.stream().filter(m -> m != leader).toList();
    List<List<long[]>> seen = new ArrayList<>();
    for (TestCluster.Member m : survivors) {
      List<long[]> mine = new CopyOnWriteArrayList<>();
      seen.add(mine);
      WebSocket ws = connect(m).await(5, TimeUnit.SECONDS);
      ws.textMessageHandler(text -> mine.add(new long[] {new JsonObject(text).getLong("ts"), System.currentTimeMillis()}));
    }
    Await.until(() -> seen.stream().allMatch(l -> l.size() >= 2), 5_000);

    // no leave message, no lock release: Hazelcast is terminated under the member's feet
    long killedAt = System.currentTimeMillis();
    cluster.kill(leader);

    Await.until(() -> seen.stream().allMatch(l -> l.stream().anyMatch(t -> t[1] > killedAt + 5_500)), 15_000);
    for (List<long[]> mine : seen) {
      List<Long> ts = mine.stream().map(t -> t[0]).toList();
      assertStrictlyIncreasing(ts);
      long firstAfter = mine.stream().filter(t -> t[0] > killedAt).mapToLong(t -> t[1]).min().orElseThrow();
      long resumedAfter = firstAfter - killedAt;
      System.out.printf("failover: ticks resumed %d ms after the leader died%n", resumedAfter);
      assertTrue(resumedAfter < 5_000, "ticks resumed after " + resumedAfter + " ms");
    }
    assertEquals(1, survivors.stream().filter(m -> m.stats().getBoolean("leadingTicker")).count());
  }

  @Test
  @Order(5)
  void aStandaloneNodeStartsNoHazelcast() throws Exception {
    int before = Hazelcast.getAllHazelcastInstances().size();
    ServiceConfig config = ServiceConfig.from(ConfigSources.of(new JsonObject()
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))));
    Vertx vertx = VertxFactory.create(config.cluster(), config.channels()).await();
    try {
      SocketPush.start(vertx, config).await(10, TimeUnit.SECONDS);
      assertTrue(!vertx.isClustered());
      assertEquals(before, Hazelcast.getAllHazelcastInstances().size());
    } finally {
      vertx.close().await();
    }
  }

  private static Future<WebSocket> connect(TestCluster.Member m) {
    return connect(m, "/ws/time");
  }

  private static Future<WebSocket> connect(TestCluster.Member m, String path) {
    WebSocketClient client = clientVertx.createWebSocketClient();
    clients.add(client);
    return client.connect(m.app().httpPort(), "127.0.0.1", path);
  }

  private static void assertStrictlyIncreasing(List<Long> ts) {
    for (int i = 1; i < ts.size(); i++) {
      assertTrue(ts.get(i) > ts.get(i - 1), "duplicate or backwards tick in " + ts);
    }
  }


}
