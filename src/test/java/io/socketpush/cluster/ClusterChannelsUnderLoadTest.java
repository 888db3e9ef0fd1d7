package io.socketpush.cluster;

import io.socketpush.Await;
import io.socketpush.channel.ProtocolClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A channel's owner killed outright while publications flow at a steady rate from every member, and a
 * member that joins while they flow: no acknowledged publication is lost or renumbered, every subscriber
 * on a survivor sees one order with a gap only where a publication was not acknowledged, a position taken
 * before the kill recovers on a survivor, the newcomer's subscriber receives the channel, and every
 * publish is answered (a number, or a documented refusal: never silence).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterChannelsUnderLoadTest {
  private static TestCluster cluster;

  @BeforeAll
  static void formCluster() throws Exception {
    cluster = TestCluster.start(3, new JsonObject()
        .put("channels", new JsonObject().put("publishesPerSecond", 10_000).put("requestsPerSecond", 10_000)
            // a history long enough to hold everything the load publishes: recovery from before the kill is then expected
            .put("rules", new io.vertx.core.json.JsonArray().add(new JsonObject().put("pattern", "chat:*").put("publish", "anyone")
                .put("historySize", 5000).put("historyTtlMs", 600_000)))));
  }

  @AfterAll
  static void leave() {
    cluster.close();
  }

  private static ProtocolClient client(TestCluster.Member member) {
    return ProtocolClient.connect(cluster.clientVertx, member.port(), "/ws");
  }

  /** Publishes from each client every period until stopped; keeps every answer: data → reply. */
  private static final class Load {
    final Map<String, JsonObject> answers = new ConcurrentHashMap<>();
    final Map<Integer, List<Future<JsonObject>>> pending = new ConcurrentHashMap<>();
    final AtomicBoolean running = new AtomicBoolean(true);
    final long timer;

    Load(String channel, List<ProtocolClient> publishers, long periodMs) {
      int[] n = {0};
      timer = cluster.clientVertx.setPeriodic(periodMs, t -> {
        if (!running.get()) {
          return;
        }
        for (int p = 0; p < publishers.size(); p++) {
          String data = "p" + p + "-" + n[0];
          pending.computeIfAbsent(p, x -> new CopyOnWriteArrayList<>()).add(publishers.get(p).request(new JsonObject().put("op", "publish").put("channel", channel).put("data", data))
              .onComplete(reply -> answers.put(data, reply.succeeded() ? reply.result()
                  : new JsonObject().put("error", new JsonObject().put("code", -1).put("message", "closed")))));
        }
        n[0]++;
      });
    }

    int acknowledged() {
      return (int) answers.values().stream().filter(a -> a.getJsonObject("result") != null).count();
    }

    /** seq → data of the acknowledged publications. */
    Map<Long, String> acknowledgedBySeq() {
      Map<Long, String> out = new TreeMap<>();
      answers.forEach((data, a) -> {
        if (a.getJsonObject("result") != null) {
          assertNull(out.put(a.getJsonObject("result").getLong("seq"), data), "two publications were given one number");
        }
      });
      return out;
    }

    void stop() {
      running.set(false);
      cluster.clientVertx.cancelTimer(timer);
    }
  }

  @Test
  void theOwnersDeathUnderLoadLosesNoAcknowledgedPublicationAndANewcomerFollows() throws Exception {
    String channel = "chat:" + UUID.randomUUID();
    TestCluster.Member owner = owner(channel);
    TestCluster.Member survivor = cluster.members.stream().filter(m -> m != owner).findFirst().orElseThrow();
    ProtocolClient reader = client(survivor);
    JsonObject at = reader.subscribe(channel).getJsonObject("result");
    List<ProtocolClient> publishers = cluster.members.stream().map(ClusterChannelsUnderLoadTest::client).toList();
    int onOwner = cluster.members.indexOf(owner); // its socket dies with it: its last requests are never answered

    Load load = new Load(channel, publishers, 50); // 60 a second
    Await.until(() -> load.acknowledged() >= 15, 30_000);
    long position = load.acknowledgedBySeq().keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
    cluster.kill(owner);
    int atKill = load.acknowledged();
    Await.until(() -> load.acknowledged() >= atKill + 20, 60_000); // the survivors number again
    ProtocolClient back = client(survivor);
    JsonObject result = back.call(new JsonObject().put("op", "subscribe").put("channel", channel)
        .put("since", position).put("epoch", at.getString("epoch"))).getJsonObject("result");
    assertTrue(result.getBoolean("recovered"), "a position from before the kill recovers: " + result.encode());
    TestCluster.Member newcomer = cluster.add();
    ProtocolClient late = client(newcomer);
    JsonObject lateAt = late.subscribe(channel).getJsonObject("result");
    int atJoin = load.acknowledged();
    Await.until(() -> load.acknowledged() >= atJoin + 15, 60_000);
    load.stop();
    Await.until(() -> load.pending.entrySet().stream().filter(e -> e.getKey() != onOwner)
        .allMatch(e -> e.getValue().stream().allMatch(Future::isComplete)), 30_000);

    // every publish was answered: a number, or 100 for one caught by the kill (its owner never answered),
    // or the publisher's own socket closed with its member
    for (JsonObject a : load.answers.values()) {
      JsonObject error = a.getJsonObject("error");
      if (error != null) {
        assertTrue(error.getInteger("code") == 100 || error.getInteger("code") == -1, a.encode());
      }
    }
    Map<Long, String> acked = load.acknowledgedBySeq();
    long top = acked.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
    assertOneOrder(reader, channel, at.getLong("seq"), top, acked);
    assertOneOrder(late, channel, lateAt.getLong("seq"), top, acked);
    assertOneOrder(back, channel, position, top, acked);
  }

  @Test
  void aConnectionThatPublishesFasterThanItsOwnerAnswersIsRefusedWith111NeverLeftWaiting() throws Exception {
    String channel = "chat:" + UUID.randomUUID();
    TestCluster.Member owner = owner(channel);
    TestCluster.Member other = cluster.members.stream().filter(m -> m != owner).findFirst().orElseThrow();
    ProtocolClient publisher = client(other); // every publication crosses to the owner
    List<Future<JsonObject>> replies = new java.util.ArrayList<>();
    for (int i = 0; i < 400; i++) { // all at once: far more than a connection may have waiting for their number
      replies.add(publisher.request(new JsonObject().put("op", "publish").put("channel", channel).put("data", i)));
    }
    Await.result(Future.join(replies), 60);
    long last = 0;
    for (Future<JsonObject> reply : replies) {
      JsonObject error = reply.result().getJsonObject("error");
      if (error != null) {
        assertEquals(111, error.getInteger("code"), reply.result().encode());
      } else {
        long seq = reply.result().getJsonObject("result").getLong("seq");
        assertTrue(seq > last, "a connection's publications are numbered in the order it sent them");
        last = seq;
      }
    }
  }

  /**
   * The reader sees seq from+1 … top once each, in order; a seq it lacks was never acknowledged; and an
   * acknowledged one carries the data it was acknowledged for (nothing renumbered).
   */
  private static void assertOneOrder(ProtocolClient reader, String channel, long from, long top, Map<Long, String> acked)
      throws InterruptedException {
    long last = from;
    while (last < top) {
      JsonObject p = reader.nextPublication(15_000);
      assertNotNull(p, "stuck after " + last + " of " + top);
      if (!channel.equals(p.getString("channel"))) {
        continue;
      }
      long seq = p.getLong("seq");
      assertTrue(seq > last, "in order, once: " + seq + " after " + last);
      for (long missing = last + 1; missing < seq; missing++) {
        assertNull(acked.get(missing), "acknowledged publication " + missing + " never came");
      }
      if (acked.containsKey(seq)) {
        assertEquals(acked.get(seq), p.getString("data"), "publication " + seq + " renumbered");
      }
      last = seq;
    }
  }

  private static TestCluster.Member owner(String channel) {
    var hazelcast = cluster.members.get(0).hazelcast().getHazelcastInstance();
    String ownerId = hazelcast.getPartitionService().getPartition(channel).getOwner().getAttribute("__vertx.nodeId");
    return cluster.members.stream().filter(m -> m.hazelcast().getNodeId().equals(ownerId)).findFirst().orElseThrow();
  }
}
