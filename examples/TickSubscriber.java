/*
 * A plain Vert.x member that joins a socket-push cluster and logs every time tick it receives.
 * It shows the one thing another service needs: the cluster's Hazelcast settings and the address.
 *
 * Run it beside a cluster started by scripts/cluster.sh (Java runs the source file directly):
 *
 *   CLUSTER_MEMBERS=127.0.0.1:5701,127.0.0.1:5702,127.0.0.1:5703 CLUSTER_NAME=socket-push-local \
 *     java -cp target/socket-push.jar examples/TickSubscriber.java
 */

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

public class TickSubscriber {
  /** socket-push publishes {"time":"2026.11.25 19:58:08","ts":1795636872927} here once per tick. */
  static final String TIME_TICKS = "socket-push.time.ticks";

  public static void main(String[] args) {
    String host = env("CLUSTER_HOST", "127.0.0.1");
    int port = Integer.parseInt(env("CLUSTER_PORT", "5799"));

    Config hazelcast = ConfigUtil.loadConfig(); // keeps the maps Vert.x needs
    hazelcast.setClusterName(env("CLUSTER_NAME", "socket-push"));
    hazelcast.setProperty("hazelcast.logging.type", "slf4j");
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    // every member must share the cluster's failure detection: with Hazelcast's default 5 s heartbeat
    // the socket-push members, which expect one every second, would soon take this member for dead
    hazelcast.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hazelcast.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    hazelcast.getNetworkConfig().setPort(port).setPortAutoIncrement(false)
        .setPublicAddress(host + ":" + port).getInterfaces().setEnabled(true).addInterface(host);
    JoinConfig join = hazelcast.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    for (String member : env("CLUSTER_MEMBERS", "127.0.0.1:5701").split(",")) {
      join.getTcpIpConfig().addMember(member.trim());
    }

    Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost(host).setClusterPublicHost(host)))
        .withClusterManager(new HazelcastClusterManager(hazelcast))
        .buildClustered()
        .onSuccess(vertx -> {
          vertx.eventBus().<JsonObject>consumer(TIME_TICKS, tick ->
              System.out.println("tick " + tick.body().getString("time") + " ts=" + tick.body().getLong("ts")));
          System.out.println("joined cluster '" + hazelcast.getClusterName() + "', listening on " + TIME_TICKS);
        })
        .onFailure(err -> {
          System.err.println("cannot join the cluster: " + err.getMessage());
          System.exit(1);
        });
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
