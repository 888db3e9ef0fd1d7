package io.socketpush;

import com.hazelcast.config.Config;
import io.socketpush.channel.HazelcastBackend;
import io.socketpush.cluster.EventBusSetup;
import io.socketpush.cluster.HazelcastSetup;
import io.socketpush.config.ChannelConfig;
import io.socketpush.config.ClusterConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/** Makes the Vert.x instance a node runs on: plain, or clustered on Hazelcast when {@code cluster.enabled}. */
public final class VertxFactory {
  private VertxFactory() {
  }

  /** A Vert.x without metrics, on NIO (tests, tools). */
  public static Future<Vertx> create(ClusterConfig cluster, ChannelConfig channels) {
    return create(cluster, channels, null, Transport.NIO);
  }

  /** A Vert.x on NIO, its own metrics going to the registry (tests). */
  public static Future<Vertx> create(ClusterConfig cluster, ChannelConfig channels, MeterRegistry registry) {
    return create(cluster, channels, registry, Transport.NIO);
  }

  /**
   * @param registry  where Vert.x reports its own metrics (event bus, pools, verticles, JVM), or null
   *                  for none. Its per-connection HTTP and TCP metrics stay off: the node counts its
   *                  sockets and messages itself, without a cost on every write.
   * @param transport the network transport, one that is {@link Transport#available() available}
   *                  (see {@code NetworkTransport}): Vert.x would fall back to NIO silently
   */
  public static Future<Vertx> create(ClusterConfig cluster, ChannelConfig channels, MeterRegistry registry,
                                     Transport transport) {
    VertxOptions options = new VertxOptions();
    VertxBuilder builder = Vertx.builder().withTransport(transport);
    if (registry != null) {
      options.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
          .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
          .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
          .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)
          .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
          .addDisabledMetricsCategory(MetricsDomain.DATAGRAM_SOCKET));
      builder.withMetrics(new MicrometerMetricsFactory(registry));
    }
    if (!cluster.enabled()) {
      return Future.succeededFuture(builder.with(options).build());
    }
    options.setEventBusOptions(EventBusSetup.options(cluster));
    return builder
        .with(options)
        .withClusterManager(new HazelcastClusterManager(hazelcast(cluster, channels)))
        .buildClustered();
  }

  private static Config hazelcast(ClusterConfig cluster, ChannelConfig channels) {
    Config config = HazelcastSetup.config(cluster);
    HazelcastBackend.configureMaps(config, channels, HazelcastSetup.quorum(cluster));
    return config;
  }
}
