package io.socketpush.config;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Every configuration key the service reads, with its default. {@code conf/config.json} lists the
 * same keys with the same defaults (a test keeps the two in step); the README table is made from
 * this list too.
 */
public final class Settings {
  private Settings() {
  }

  public static final Setting<String> HTTP_HOST = Setting.text("http.host", "0.0.0.0",
      "interface the HTTP/WebSocket server binds");
  public static final Setting<Integer> HTTP_PORT = Setting.integer("http.port", 8080, 0, 65535,
      "HTTP/WebSocket port (0 picks a free one)");
  public static final Setting<Integer> HTTP_INSTANCES = Setting.integer("http.instances", 0, 0, 64,
      "HTTP verticle instances, one per event loop; 0 means one per CPU core");

  public static final Setting<Integer> TICK_PERIOD_MS = Setting.integer("tick.periodMs", 1000, 1, 3_600_000,
      "milliseconds between two time ticks");
  public static final Setting<ZoneId> TIME_ZONE = Setting.custom("time.zone", "system",
      "zone of the formatted time: an IANA name such as Asia/Shanghai, or 'system'",
      raw -> "system".equalsIgnoreCase(raw.trim()) ? ZoneId.systemDefault() : ZoneId.of(raw.trim()));
  public static final Setting<String> TIME_PATTERN = Setting.custom("time.pattern", "yyyy.MM.dd HH:mm:ss",
      "java.time pattern of the 'time' field",
      raw -> {
        DateTimeFormatter.ofPattern(raw);
        return raw;
      });

  public static final Setting<Integer> WS_MAX_MESSAGE_BYTES = Setting.integer("ws.maxMessageBytes", 65536, 125, 16 << 20,
      "largest frame or message a client may send; larger ones close the socket with 1009");
  public static final Setting<Integer> WS_PING_INTERVAL_MS = Setting.integer("ws.pingIntervalMs", 25_000, 100, 3_600_000,
      "a socket silent for this long is sent a ping");
  public static final Setting<Integer> WS_IDLE_TIMEOUT_MS = Setting.integer("ws.idleTimeoutMs", 60_000, 200, 86_400_000,
      "a socket silent for this long (not even a pong) is closed with 1001");
  public static final Setting<Integer> WS_WRITE_QUEUE_MAX_BYTES = Setting.integer("ws.writeQueueMaxBytes", 65536, 1024, 64 << 20,
      "bytes queued for one socket before it counts as slow and pushes to it are skipped");
  public static final Setting<Integer> WS_SLOW_CONSUMER_CLOSE_MS = Setting.integer("ws.slowConsumerCloseMs", 10_000, 1, 3_600_000,
      "a socket whose write queue stays full this long is closed with 1008");

  public static final Setting<Integer> SHUTDOWN_GRACE_MS = Setting.integer("shutdown.graceMs", 10_000, 0, 600_000,
      "on SIGTERM: time allowed to close sockets with 1001 before the process exits");

  public static final Setting<Boolean> CLUSTER_ENABLED = Setting.flag("cluster.enabled", false,
      "join a Hazelcast cluster and share the event bus (also --cluster); off: standalone, no Hazelcast at all");
  public static final Setting<String> CLUSTER_NAME = Setting.text("cluster.name", "socket-push",
      "members with the same name form one cluster");
  public static final Setting<String> CLUSTER_HOST = Setting.text("cluster.host", "127.0.0.1",
      "address this member binds and announces for Hazelcast and the event bus (the pod IP on Kubernetes)");
  public static final Setting<Integer> CLUSTER_PORT = Setting.integer("cluster.port", 5701, 1, 65535,
      "Hazelcast member port");
  public static final Setting<String> CLUSTER_DISCOVERY = Setting.custom("cluster.discovery", "tcp",
      "how members find each other: tcp (the list in cluster.members) or kubernetes (DNS of cluster.serviceDns)",
      raw -> {
        String value = raw.trim().toLowerCase(java.util.Locale.ROOT);
        if (!value.equals("tcp") && !value.equals("kubernetes")) {
          throw new IllegalArgumentException("must be tcp or kubernetes");
        }
        return value;
      });
  public static final Setting<String> CLUSTER_MEMBERS = Setting.text("cluster.members", "",
      "comma-separated host:port of members to join, for tcp discovery; empty: this member alone");
  public static final Setting<String> CLUSTER_SERVICE_DNS = Setting.text("cluster.serviceDns", "",
      "headless service resolved for kubernetes discovery, e.g. socket-push-cluster.default.svc.cluster.local");
  public static final Setting<Integer> EVENTBUS_PORT = Setting.integer("eventbus.port", 0, 0, 65535,
      "TCP port of the clustered event bus; 0 picks a free one");

  public static final Setting<String> LOG_LEVEL = Setting.custom("log.level", "INFO",
      "root log level: TRACE, DEBUG, INFO, WARN or ERROR",
      raw -> {
        String level = raw.trim().toUpperCase(java.util.Locale.ROOT);
        if (!List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(level)) {
          throw new IllegalArgumentException("must be one of TRACE, DEBUG, INFO, WARN, ERROR");
        }
        return level;
      });

  public static final List<Setting<?>> ALL = List.of(
      HTTP_HOST, HTTP_PORT, HTTP_INSTANCES,
      TICK_PERIOD_MS, TIME_ZONE, TIME_PATTERN,
      WS_MAX_MESSAGE_BYTES, WS_PING_INTERVAL_MS, WS_IDLE_TIMEOUT_MS, WS_WRITE_QUEUE_MAX_BYTES, WS_SLOW_CONSUMER_CLOSE_MS,
      SHUTDOWN_GRACE_MS,
      CLUSTER_ENABLED, CLUSTER_NAME, CLUSTER_HOST, CLUSTER_PORT, CLUSTER_DISCOVERY, CLUSTER_MEMBERS,
      CLUSTER_SERVICE_DNS, EVENTBUS_PORT,
      LOG_LEVEL);
}
