package io.socketpush.bench.endpoint;

import io.socketpush.VertxFactory;
import io.socketpush.config.ConfigSources;
import io.socketpush.config.ServiceConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three clustered members in this JVM, each with the bench extension: a {@code /ws/bench} broadcast
 * from one member reaches the bench sockets of every member once, and its count is theirs together.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BenchClusterTest {
  private static final int MEMBERS = 3;
  private static final List<Vertx> vertxes = new CopyOnWriteArrayList<>();
  private static final List<BenchNode> members = new CopyOnWriteArrayList<>();
  private static Vertx clientVertx;

  @BeforeAll
  static void formCluster() throws Exception {
    clientVertx = Vertx.vertx();
    String name = "socket-push-bench-test-" + UUID.randomUUID();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < MEMBERS; i++) {
      ports.add(freePort());
    }
    String seeds = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    for (int port : ports) {
      JsonObject cluster = new JsonObject().put("enabled", true).put("name", name).put("port", port).put("members", seeds);
      ServiceConfig config = ServiceConfig.from(ConfigSources.of(new JsonObject().put("cluster", cluster)));
      Vertx vertx = VertxFactory.create(config.cluster(), config.channels()).await(60, TimeUnit.SECONDS);
      vertxes.add(vertx);
      members.add(BenchNode.start(vertx, clientVertx, new JsonObject()
          .put("http", new JsonObject().put("instances", 1)).put("cluster", cluster)).await(30, TimeUnit.SECONDS));
    }
    // the cluster has formed once every member sees them all, with every partition in place
    until(() -> members.stream().allMatch(m -> stats(m).getJsonObject("cluster").getInteger("members") == MEMBERS), 30_000);
    until(() -> vertxes.stream().allMatch(v -> ((HazelcastClusterManager) ((VertxInternal) v).clusterManager())
        .getHazelcastInstance().getPartitionService().isClusterSafe()), 30_000);
  }

  @AfterAll
  static void leave() {
    vertxes.forEach(v -> v.close().await());
    clientVertx.close().await();
  }

  @Test
  void broadcastReachesSocketsOnEveryMemberOnceAndCountsThemAll() throws Exception {
    int perMember = 2;
    List<WebSocket> sockets = new ArrayList<>();
    for (BenchNode m : members) {
      for (int i = 0; i < perMember; i++) {
        sockets.add(m.connectBench().await(5, TimeUnit.SECONDS));
      }
    }
    Future.all(members.stream().map(m -> m.untilSubscribed(perMember, 250)).toList()).await(10, TimeUnit.SECONDS);
    JsonObject payload = new JsonObject().put("sendTime", 42).put("from", "member 0");
    JsonObject broadcast = new JsonObject().put("type", "broadcast").put("payload", payload);
    List<AtomicInteger> received = sockets.stream().map(s -> new AtomicInteger()).toList();
    List<JsonObject> results = new CopyOnWriteArrayList<>();
    List<String> errors = new CopyOnWriteArrayList<>();
    CountDownLatch everyoneAndResult = new CountDownLatch(sockets.size() + 1);
    for (int i = 0; i < sockets.size(); i++) {
      AtomicInteger mine = received.get(i);
      boolean sender = i == 0;
      sockets.get(i).textMessageHandler(text -> {
        JsonObject m = new JsonObject(text);
        if (m.getString("type").equals("broadcast")) {
          if (!m.equals(broadcast)) {
            errors.add("not the broadcast: " + m);
          }
          if (mine.incrementAndGet() == 1) {
            everyoneAndResult.countDown();
          }
        } else {
          if (!sender || mine.get() != 1) {
            errors.add("a result to a socket that did not send, or before the broadcast: " + m);
          }
          results.add(m);
          everyoneAndResult.countDown();
        }
      });
    }
    sockets.get(0).writeTextMessage(broadcast.encode());
    assertTrue(everyoneAndResult.await(10, TimeUnit.SECONDS), "every bench socket got the broadcast and the sender its result");
    Thread.sleep(1_000); // nothing may arrive twice: give a duplicate the time to show
    assertEquals(List.of(), errors);
    assertEquals(List.of(1, 1, 1, 1, 1, 1), received.stream().map(AtomicInteger::get).toList());
    assertEquals(List.of(new JsonObject().put("type", "broadcastResult").put("payload", payload)
        .put("listenerCount", sockets.size())), results);
    sockets.forEach(WebSocket::close);
  }

  private static JsonObject stats(BenchNode member) {
    return member.stats().await();
  }

  /** For what nothing signals (cluster membership seen over HTTP): poll, bounded. */
  private static void until(BooleanSupplier condition, long ms) throws InterruptedException {
    long deadline = System.currentTimeMillis() + ms;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("condition not met within " + ms + " ms");
      }
      Thread.sleep(100);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
