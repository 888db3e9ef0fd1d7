package io.socketpush.channel;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.socketpush.Await;
import io.socketpush.config.ChannelRule;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Hazelcast backend against two members in this JVM, on a channel whose log lives on the
 * <em>other</em> member: what an entry processor answers must cross the network, so it must be
 * serializable (a subscribe on such a channel once failed with "Failed to serialize History").
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HazelcastBackendTest {
  private static Vertx vertx;
  private static HazelcastInstance local;
  private static HazelcastInstance remote;
  private static HazelcastBackend backend;

  @BeforeAll
  static void twoMembers() throws Exception {
    String name = "socket-push-backend-test-" + UUID.randomUUID();
    int a = freePort();
    int b = freePort();
    local = Hazelcast.newHazelcastInstance(config(name, a, b));
    remote = Hazelcast.newHazelcastInstance(config(name, b, a));
    Await.until(() -> local.getCluster().getMembers().size() == 2 && remote.getCluster().getMembers().size() == 2, 30_000);
    vertx = Vertx.vertx();
    backend = new HazelcastBackend(vertx, local, new io.socketpush.core.PushStats(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), c -> c));
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    remote.shutdown();
    local.shutdown();
  }

  @Test
  void subscriberOfARemotelyOwnedChannelGetsItsPositionAndWhatItMissed() throws Exception {
    String channel = remotelyOwned();
    ChannelRule rule = rule();
    History fresh = Await.result(backend.history(channel, rule, -1, "", 0), 10);
    assertEquals(0, fresh.top());
    for (int i = 1; i <= 3; i++) {
      ChannelBackend.Appended appended = Await.result(backend.append(channel, rule, "\"m" + i + "\"", System.currentTimeMillis()), 10);
      assertEquals(i, appended.seq());
      assertEquals(fresh.epoch(), appended.epoch());
    }
    History missed = Await.result(backend.history(channel, rule, 1, fresh.epoch(), 0), 10);
    assertTrue(missed.recovered(), missed.toString());
    assertEquals(3, missed.top());
    assertEquals(List.of(2L, 3L), missed.missed().stream().map(ChannelLog.Entry::seq).toList());
    assertEquals("\"m3\"", missed.missed().get(1).data());

    History recent = Await.result(backend.history(channel, rule, -1, "", 2), 10);
    assertFalse(recent.asked());
    assertEquals(List.of(2L, 3L), recent.missed().stream().map(ChannelLog.Entry::seq).toList(), "the last two, read on the owner");
    assertEquals(List.of(), Await.result(backend.history(channel, rule, -1, "", 0), 10).missed());
  }

  @Test
  void presenceOfARemotelyOwnedChannelIsKept() throws Exception {
    String channel = remotelyOwned();
    Client alice = new Client("c1", null, "alice", local.getCluster().getLocalMember().getUuid().toString());
    assertTrue(Await.result(backend.join(channel, alice), 10));
    assertEquals(List.of(alice), Await.result(backend.present(channel), 10));
    assertTrue(Await.result(backend.leave(channel, "c1"), 10));
  }

  /** A channel name whose partition the other member owns. */
  private static String remotelyOwned() {
    while (true) {
      String channel = "chat:remote-" + UUID.randomUUID();
      if (remote.getCluster().getLocalMember().equals(local.getPartitionService().getPartition(channel).getOwner())) {
        return channel;
      }
    }
  }

  /** The default chat:* rule: a history of 100 for 5 minutes, presence. */
  private static ChannelRule rule() {
    return new ChannelRule("chat:*", ChannelRule.Who.ANYONE, ChannelRule.Who.ANYONE, 4096, 100, 300_000, true);
  }

  private static Config config(String name, int port, int other) {
    Config config = new Config().setClusterName(name);
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + port).addMember("127.0.0.1:" + other);
    HazelcastBackend.configureMaps(config, io.socketpush.config.ServiceConfig.from(io.socketpush.config.ConfigSources.of(new io.vertx.core.json.JsonObject())).channels(), 1); // as a member's: the maps and the serializers of their operations
    return config;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
