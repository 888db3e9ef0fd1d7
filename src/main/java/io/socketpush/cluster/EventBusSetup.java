package io.socketpush.cluster;

import io.socketpush.config.ClusterConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;

/**
 * The clustered event bus of a member: it listens on {@code cluster.host}, announces it, and connects to
 * the other members from it as well, like Hazelcast ({@link HazelcastSetup}). Vert.x has no option for the
 * event bus client's local address: it builds that client's {@code NetClientOptions} from
 * {@link EventBusOptions#toJson()}, so the address is added there ({@code localAddress}, a
 * {@code ClientOptionsBase} field). {@code PartitionIT} checks the source address of every connection.
 */
public final class EventBusSetup {
  private EventBusSetup() {
  }

  public static EventBusOptions options(ClusterConfig cluster) {
    return new BoundEventBusOptions(cluster.host())
        .setHost(cluster.host())
        .setPort(cluster.eventBusPort())
        .setClusterPublicHost(cluster.host());
  }

  /** Event-bus options whose client connects from {@code localAddress}. */
  private static final class BoundEventBusOptions extends EventBusOptions {
    private final String localAddress;

    BoundEventBusOptions(String localAddress) {
      this.localAddress = localAddress;
    }

    @Override
    public JsonObject toJson() {
      return super.toJson().put("localAddress", localAddress);
    }
  }
}
