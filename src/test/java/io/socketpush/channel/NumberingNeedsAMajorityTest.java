package io.socketpush.channel;

import com.hazelcast.config.Config;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.socketpush.config.ChannelRule;
import io.socketpush.config.ConfigSources;
import io.socketpush.config.ServiceConfig;
import io.socketpush.core.PushStats;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The append itself refuses to number while its member sees fewer members than the quorum, whatever
 * Hazelcast's split-brain protection (which follows membership events, a moment late) says at that moment.
 * Here the logs map is left unprotected so that only the append's own check can refuse: a member alone,
 * with a quorum of two configured, numbers nothing (docs/partitions.md, gap 1).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NumberingNeedsAMajorityTest {
  private final Vertx vertx = Vertx.vertx();
  private HazelcastInstance member;

  @AfterEach
  void stop() {
    vertx.close().await();
    if (member != null) {
      member.shutdown();
    }
  }

  @Test
  void aMemberThatSeesTooFewMembersNumbersNothing() throws Exception {
    HazelcastBackend backend = alone(2);
    ChannelError refused = assertThrows(ChannelError.class,
        () -> io.socketpush.Await.result(backend.append("chat:alone", rule(), "\"m1\"", 1_000), 10));
    assertEquals(ChannelError.NO_QUORUM, refused.code(), refused.getMessage());
    assertEquals(null, member.getMap(HazelcastBackend.LOGS).get("chat:alone"), "no log was made");
  }

  @Test
  void aMemberThatSeesEnoughMembersNumbers() throws Exception {
    HazelcastBackend backend = alone(1);
    assertEquals(1, io.socketpush.Await.result(backend.append("chat:alone", rule(), "\"m1\"", 1_000), 10).seq());
  }

  /** One member whose logs map has no split-brain protection, and a quorum of {@code size} configured beside it. */
  private HazelcastBackend alone(int size) throws java.io.IOException {
    Config config = new Config().setClusterName("numbering-needs-a-majority-" + UUID.randomUUID());
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.getNetworkConfig().setPort(freePort()).setPortAutoIncrement(false).getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    HazelcastBackend.configureMaps(config, ServiceConfig.from(ConfigSources.of(new JsonObject())).channels(), 1);
    config.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(HazelcastBackend.QUORUM, true, size));
    member = Hazelcast.newHazelcastInstance(config);
    return new HazelcastBackend(vertx, member, new PushStats(new SimpleMeterRegistry(), c -> c));
  }

  private static ChannelRule rule() {
    return new ChannelRule("chat:*", ChannelRule.Who.ANYONE, ChannelRule.Who.ANYONE, 4096, 100, 300_000, true);
  }

  private static int freePort() throws java.io.IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
