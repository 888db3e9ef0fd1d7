package io.socketpush.config;

import static io.socketpush.config.Settings.*;

/**
 * The whole configuration, typed and validated, built once at start-up. Every component receives
 * the part it needs.
 */
public record ServiceConfig(HttpConfig http, TickConfig tick, WebSocketConfig ws, long shutdownGraceMs,
                            ClusterConfig cluster, String logLevel) {

  /** Builds and validates; throws {@link ConfigException} naming the first bad key. */
  public static ServiceConfig from(ConfigSources sources) {
    int instances = sources.get(HTTP_INSTANCES);
    ServiceConfig config = new ServiceConfig(
        new HttpConfig(sources.get(HTTP_HOST), sources.get(HTTP_PORT),
            instances == 0 ? Runtime.getRuntime().availableProcessors() : instances),
        new TickConfig(sources.get(TICK_PERIOD_MS), sources.get(TIME_ZONE), sources.get(TIME_PATTERN)),
        new WebSocketConfig(sources.get(WS_MAX_MESSAGE_BYTES), sources.get(WS_PING_INTERVAL_MS),
            sources.get(WS_IDLE_TIMEOUT_MS), sources.get(WS_WRITE_QUEUE_MAX_BYTES),
            sources.get(WS_SLOW_CONSUMER_CLOSE_MS)),
        sources.get(SHUTDOWN_GRACE_MS),
        new ClusterConfig(sources.get(CLUSTER_ENABLED), sources.get(CLUSTER_NAME), sources.get(CLUSTER_HOST),
            sources.get(CLUSTER_PORT), sources.get(CLUSTER_DISCOVERY), ClusterConfig.members(sources.get(CLUSTER_MEMBERS)),
            sources.get(CLUSTER_SERVICE_DNS), sources.get(EVENTBUS_PORT)),
        sources.get(LOG_LEVEL));
    if (config.ws.idleTimeoutMs() <= config.ws.pingIntervalMs()) {
      throw new ConfigException(WS_IDLE_TIMEOUT_MS.key() + " = " + config.ws.idleTimeoutMs()
          + ": must be longer than " + WS_PING_INTERVAL_MS.key() + " (" + config.ws.pingIntervalMs() + ")");
    }
    if (config.cluster.enabled() && config.cluster.discovery().equals("kubernetes") && config.cluster.serviceDns().isEmpty()) {
      throw new ConfigException(CLUSTER_SERVICE_DNS.key() + " (" + CLUSTER_SERVICE_DNS.env()
          + ") is required when " + CLUSTER_DISCOVERY.key() + " is kubernetes");
    }
    return config;
  }
}
