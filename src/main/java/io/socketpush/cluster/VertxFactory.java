package io.socketpush.cluster;

import io.socketpush.config.ClusterConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/** Makes the Vert.x instance a node runs on: plain, or clustered on Hazelcast when {@code cluster.enabled}. */
public final class VertxFactory {
  private VertxFactory() {
  }

  public static Future<Vertx> create(ClusterConfig cluster) {
    if (!cluster.enabled()) {
      return Future.succeededFuture(Vertx.vertx());
    }
    VertxOptions options = new VertxOptions().setEventBusOptions(new EventBusOptions()
        .setHost(cluster.host())
        .setPort(cluster.eventBusPort())
        .setClusterPublicHost(cluster.host()));
    return Vertx.builder()
        .with(options)
        .withClusterManager(new HazelcastClusterManager(HazelcastSetup.config(cluster)))
        .buildClustered();
  }
}
