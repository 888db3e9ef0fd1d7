package io.socketpush.config;

import static io.socketpush.config.Settings.*;

/**
 * The whole configuration, typed and validated, built once at start-up. Every component receives
 * the part it needs.
 */
public record ServiceConfig(HttpConfig http, TickConfig tick, WebSocketConfig ws, TransportConfig transports,
                            long shutdownGraceMs,
                            ClusterConfig cluster, SecurityConfig security, LimitsConfig limits, ChannelConfig channels,
                            ProxyConfig proxy, String logLevel, String logFormat, String adminPassword) {

  /** Builds and validates; throws {@link ConfigException} naming the first bad key. */
  public static ServiceConfig from(ConfigSources sources) {
    int instances = sources.get(HTTP_INSTANCES);
    ServiceConfig config = new ServiceConfig(
        new HttpConfig(sources.get(HTTP_HOST), sources.get(HTTP_PORT),
            instances == 0 ? Runtime.getRuntime().availableProcessors() : instances, sources.get(HTTP_TRANSPORT)),
        new TickConfig(sources.get(TICK_PERIOD_MS), sources.get(TIME_ZONE), sources.get(TIME_PATTERN)),
        new WebSocketConfig(sources.get(WS_MAX_MESSAGE_BYTES), sources.get(WS_PING_INTERVAL_MS),
            sources.get(WS_IDLE_TIMEOUT_MS), sources.get(WS_WRITE_QUEUE_MAX_BYTES),
            sources.get(WS_SLOW_CONSUMER_CLOSE_MS), sources.get(WS_MAX_QUEUED_BYTES), sources.get(WS_FRAMES_PER_SECOND)),
        new TransportConfig(sources.get(LONGPOLL_TIMEOUT_MS), sources.get(SSE_HEARTBEAT_MS)),
        sources.get(SHUTDOWN_GRACE_MS),
        new ClusterConfig(sources.get(CLUSTER_ENABLED), sources.get(CLUSTER_NAME), sources.get(CLUSTER_HOST),
            sources.get(CLUSTER_PORT), sources.get(CLUSTER_DISCOVERY), ClusterConfig.members(sources.get(CLUSTER_MEMBERS)),
            sources.get(CLUSTER_SERVICE_DNS), sources.get(EVENTBUS_PORT)),
        security(sources),
        new LimitsConfig(sources.get(LIMITS_MAX_CONNECTIONS), sources.get(LIMITS_MAX_CONNECTIONS_PER_IP),
            sources.get(LIMITS_NEW_CONNECTIONS_PER_SECOND), sources.get(LIMITS_ECHO_MESSAGES_PER_SECOND),
            sources.get(LIMITS_PENDING_REQUESTS_PER_IP), sources.get(LIMITS_HTTP_HEADER_TIMEOUT_MS),
            sources.get(LIMITS_HTTP_BODY_TIMEOUT_MS), sources.get(LIMITS_API_PUBLISHES_PER_SECOND_PER_IP),
            sources.get(LIMITS_API_PUBLISHES_PER_SECOND_PER_KEY)),
        new ChannelConfig(sources.get(CHANNELS_RULES), sources.get(CHANNELS_MAX_PER_CONNECTION),
            sources.get(CHANNELS_PUBLISHES_PER_SECOND), sources.get(CHANNELS_REQUESTS_PER_SECOND), sources.get(CHANNELS_API_KEY),
            sources.get(CHANNELS_MAX_CHANNELS), sources.get(CHANNELS_IDLE_TIMEOUT_MS), sources.get(CHANNELS_PRESENCE_EVENTS_PER_SECOND),
            sources.get(CHANNELS_BATCH_MS), sources.get(CHANNELS_IDEMPOTENCY_WINDOW_MS)),
        new ProxyConfig(sources.get(PROXY_CONNECT_URL), sources.get(PROXY_SUBSCRIBE_URL), sources.get(PROXY_PUBLISH_URL),
            sources.get(PROXY_TIMEOUT_MS), ProxyConfig.headers(sources.get(PROXY_HEADERS)), sources.get(PROXY_MAX_IN_FLIGHT)),
        sources.get(LOG_LEVEL), sources.get(LOG_FORMAT), sources.get(ADMIN_PASSWORD));
    if (config.ws.idleTimeoutMs() <= config.ws.pingIntervalMs()) {
      throw new ConfigException(WS_IDLE_TIMEOUT_MS.key() + " = " + config.ws.idleTimeoutMs()
          + ": must be longer than " + WS_PING_INTERVAL_MS.key() + " (" + config.ws.pingIntervalMs() + ")");
    }
    long legitimate = (long) config.ws.writeQueueMaxBytes() + config.ws.maxMessageBytes();
    if (config.ws.maxQueuedBytes() < legitimate) {
      // a reader that keeps up may still have a full write queue plus one largest echo queued
      throw new ConfigException(WS_MAX_QUEUED_BYTES.key() + " = " + config.ws.maxQueuedBytes() + ": must be at least "
          + WS_WRITE_QUEUE_MAX_BYTES.key() + " + " + WS_MAX_MESSAGE_BYTES.key() + " (" + legitimate + ")");
    }
    if (config.cluster.enabled() && config.cluster.discovery().equals("kubernetes") && config.cluster.serviceDns().isEmpty()) {
      throw new ConfigException(CLUSTER_SERVICE_DNS.key() + " (" + CLUSTER_SERVICE_DNS.env()
          + ") is required when " + CLUSTER_DISCOVERY.key() + " is kubernetes");
    }
    for (ChannelRule rule : config.channels.rules()) {
      if (rule.subscribe() == ChannelRule.Who.PROXY && config.proxy.subscribeUrl().isEmpty()
          || rule.publish() == ChannelRule.Who.PROXY && config.proxy.publishUrl().isEmpty()) {
        throw new ConfigException(CHANNELS_RULES.key() + ": rule '" + rule.pattern() + "' asks the application ("
            + "\"proxy\") but " + (rule.subscribe() == ChannelRule.Who.PROXY && config.proxy.subscribeUrl().isEmpty()
            ? PROXY_SUBSCRIBE_URL.key() : PROXY_PUBLISH_URL.key()) + " is empty");
      }
    }
    return config;
  }

  private static SecurityConfig security(ConfigSources sources) {
    String algorithm = sources.get(SECURITY_JWT_ALGORITHM);
    boolean required = sources.get(SECURITY_JWT_REQUIRED);
    String key;
    if (algorithm.equals("HS256")) {
      key = sources.get(SECURITY_JWT_SECRET);
    } else {
      key = pem(sources.get(SECURITY_JWT_PUBLIC_KEY), SECURITY_JWT_PUBLIC_KEY);
    }
    if (required && key.isEmpty()) {
      Setting<String> missing = algorithm.equals("HS256") ? SECURITY_JWT_SECRET : SECURITY_JWT_PUBLIC_KEY;
      throw new ConfigException(SECURITY_JWT_REQUIRED.key() + " is true but " + missing.key() + " ("
          + missing.env() + ") is empty");
    }
    String cert = sources.get(TLS_CERT);
    String tlsKey = sources.get(TLS_KEY);
    if (cert.isEmpty() != tlsKey.isEmpty()) {
      throw new ConfigException(TLS_CERT.key() + " (" + TLS_CERT.env() + ") and " + TLS_KEY.key() + " ("
          + TLS_KEY.env() + ") go together: set both or neither");
    }
    for (Setting<String> file : java.util.List.of(TLS_CERT, TLS_KEY)) {
      String path = sources.get(file);
      if (!path.isEmpty() && !java.nio.file.Files.isReadable(java.nio.file.Path.of(path))) {
        throw new ConfigException(file.key() + " = '" + path + "' (" + file.env() + "): no such readable file");
      }
    }
    return new SecurityConfig(
        java.util.Arrays.stream(sources.get(SECURITY_ALLOWED_ORIGINS).split(",")).map(String::trim)
            .filter(o -> !o.isEmpty()).toList(),
        sources.get(SECURITY_REQUIRE_ORIGIN),
        new SecurityConfig.JwtConfig(required, algorithm, key, sources.get(SECURITY_JWT_ISSUER),
            sources.get(SECURITY_JWT_AUDIENCE)),
        cert, tlsKey);
  }

  /** PEM text as given, or read from the file it names. */
  private static String pem(String value, Setting<String> setting) {
    if (value.isEmpty() || value.startsWith("-----BEGIN")) {
      return value;
    }
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of(value));
    } catch (java.io.IOException e) {
      throw new ConfigException(setting.key() + " = '" + value + "' (" + setting.env() + "): neither PEM text nor a readable file");
    }
  }
}
