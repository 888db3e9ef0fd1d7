package io.socketpush.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.socketpush.config.ClusterConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

/**
 * The Hazelcast configuration of a member, from the maps Vert.x needs ({@link ConfigUtil#loadConfig()})
 * plus what {@code cluster.*} says (features add their own maps: {@code HazelcastBackend.configureMaps}): a fixed address, no multicast, no auto-detection, and failure
 * detection quick enough for the ticker to fail over within 5 s.
 */
public final class HazelcastSetup {
  /**
   * A member that stops sending heartbeats (hung, partitioned) is removed after this long. A member
   * killed outright is noticed sooner: its TCP connections close and the members that fail to
   * reconnect suspect it at once. Either way its locks, the ticker's among them, are released.
   */
  static final int MAX_NO_HEARTBEAT_SECONDS = 5;
  static final int HEARTBEAT_INTERVAL_SECONDS = 1;
  /**
   * After a network partition heals, the two sides find each other and the smaller merges into the
   * larger on the next merge check: the first this long after start, then every as long (Hazelcast's
   * defaults, 300 and 120 s, would leave two clusters side by side for minutes). A check is one join
   * request to each listed member that is not in the cluster.
   */
  static final int MERGE_CHECK_SECONDS = 5;

  private HazelcastSetup() {
  }

  /**
   * The members a side of a network partition must see to go on numbering publications: a majority of
   * the members listed in {@code cluster.members}, so at most one side of a split has it. Fewer than three
   * listed (or Kubernetes discovery, whose size is not known here): 1, no protection, since a majority of
   * two would stop every write when either member fails (docs/partitions.md).
   */
  public static int quorum(ClusterConfig cluster) {
    int listed = cluster.discovery().equals("kubernetes") ? 0 : cluster.members().size();
    return listed >= 3 ? listed / 2 + 1 : 1;
  }

  public static Config config(ClusterConfig cluster) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(cluster.name());
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    // nothing reads Hazelcast's own metrics (the node reports through Micrometer), and its collector,
    // interrupted by a shutdown mid-cycle, reports that at WARN
    config.getMetricsConfig().setEnabled(false);
    // the service leaves the cluster itself, after draining its sockets
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(HEARTBEAT_INTERVAL_SECONDS));
    config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(MAX_NO_HEARTBEAT_SECONDS));
    // the master waits this long for more members before admitting one: 5 s by default
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    config.setProperty("hazelcast.merge.first.run.delay.seconds", String.valueOf(MERGE_CHECK_SECONDS));
    config.setProperty("hazelcast.merge.next.run.delay.seconds", String.valueOf(MERGE_CHECK_SECONDS));
    // listen on cluster.host only, and connect to other members from it too: otherwise the kernel picks
    // the source (on lo, the destination's own address), and a rule on member addresses (docs/partitions.md)
    // or a firewall between hosts with several addresses cannot tell the members apart
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.socket.client.bind.any", "false");

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    network.setPublicAddress(cluster.host() + ":" + cluster.port());
    network.getInterfaces().setEnabled(true).addInterface(cluster.host());

    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (cluster.discovery().equals("kubernetes")) {
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true)
          .setProperty("service-dns", cluster.serviceDns())
          .setProperty("service-port", String.valueOf(cluster.port()));
    } else {
      join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2);
      cluster.members().forEach(member -> join.getTcpIpConfig().addMember(member));
      if (cluster.members().isEmpty()) {
        join.getTcpIpConfig().addMember(cluster.host() + ":" + cluster.port());
      }
    }
    return config;
  }
}
