/*
 * A plain Vert.x member that joins a socket-push cluster, logs every time tick it receives, and
 * every tenth tick publishes a headline on the channel news:example (which socket-push clients can
 * subscribe to). It shows what another service needs: the cluster's Hazelcast settings, the
 * addresses, and to join as a Hazelcast lite member.
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
  /** Publish on a channel: body {"channel":…,"data":…}, reply {"channel":…,"seq":N}. */
  static final String CHANNELS_PUBLISH = "channels.publish";

  public static void main(String[] args) {
    String host = env("CLUSTER_HOST", "127.0.0.1");
    int port = Integer.parseInt(env("CLUSTER_PORT", "5799"));

    Config hazelcast = ConfigUtil.loadConfig(); // keeps the maps Vert.x needs
    // a lite member holds no partitions: socket-push keeps its channels' logs in partitioned maps
    // changed by its own entry processors, which a member without its classes could not run
    hazelcast.setLiteMember(true);
    hazelcast.setClusterName(env("CLUSTER_NAME", "socket-push"));
    hazelcast.setProperty("hazelcast.logging.type", "slf4j");
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    // leave through Vert.x on SIGTERM (below), not through Hazelcast's own hook, which would pull
    // the member out from under the event bus: the members would see its connections reset
    hazelcast.setProperty("hazelcast.shutdownhook.enabled", "false");
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
          vertx.eventBus().<JsonObject>consumer(TIME_TICKS, tick -> {
            System.out.println("tick " + tick.body().getString("time") + " ts=" + tick.body().getLong("ts"));
            if (tick.body().getLong("ts") / 1000 % 10 == 0) {
              JsonObject headline = new JsonObject().put("channel", "news:example")
                  .put("data", new JsonObject().put("headline", "it is " + tick.body().getString("time")));
              vertx.eventBus().<JsonObject>request(CHANNELS_PUBLISH, headline)
                  .onSuccess(reply -> System.out.println("published news:example seq=" + reply.body().getLong("seq")))
                  .onFailure(err -> System.err.println("publish refused: " + err.getMessage()));
            }
          });
          System.out.println("joined cluster '" + hazelcast.getClusterName() + "', listening on " + TIME_TICKS);
          // closing Vert.x unregisters the consumer, then leaves the cluster gracefully: nothing is sent
          // to it any more, and the members log "lite member ... left the cluster" at INFO
          Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await()));
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
