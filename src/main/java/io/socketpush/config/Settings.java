package io.socketpush.config;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Every configuration key the service reads, with its default. {@code conf/config.json} lists the
 * same keys with the same defaults (a test keeps the two in step); {@code --help} and the reference
 * in {@code docs/configuration.md} ({@link ConfigReference}) are made from this list too.
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
  public static final Setting<String> HTTP_TRANSPORT = Setting.choice("http.transport", "auto",
      "network transport of the node's sockets (HTTP, WebSocket, clustered event bus): auto (epoll, else io_uring, else nio), "
          + "epoll, io_uring or nio; a native one that does not load falls back to nio, and the start-up log says why",
      "auto", "epoll", "io_uring", "nio");

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
  public static final Setting<Integer> WS_MAX_QUEUED_BYTES = Setting.integer("ws.maxQueuedBytes", 262_144, 2048, 1 << 30,
      "bytes queued for one socket (pongs, replies, errors, echoes, pushes together) beyond which it is closed with 1008 at once; at least ws.writeQueueMaxBytes + ws.maxMessageBytes");
  public static final Setting<Integer> WS_FRAMES_PER_SECOND = Setting.integer("ws.framesPerSecond", 2000, 1, 10_000_000,
      "frames of any kind (pings, empty and continuation frames included) one socket may send per second, burst of one second's worth (1008 beyond)");

  public static final Setting<Integer> LONGPOLL_TIMEOUT_MS = Setting.integer("longpoll.timeoutMs", 30_000, 100, 600_000,
      "a held long-poll (GET /api/time/next) is answered with 204 after this long if no tick came");
  public static final Setting<Integer> SSE_HEARTBEAT_MS = Setting.integer("sse.heartbeatMs", 15_000, 100, 3_600_000,
      "every SSE stream (GET /sse/time) gets a ': ping' comment this often, so proxies keep it open");

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
  public static final Setting<String> CLUSTER_DISCOVERY = Setting.choice("cluster.discovery", "tcp",
      "how members find each other: tcp (the list in cluster.members) or kubernetes (DNS of cluster.serviceDns)",
      "tcp", "kubernetes");
  public static final Setting<String> CLUSTER_MEMBERS = Setting.text("cluster.members", "",
      "comma-separated host:port of members to join, for tcp discovery; empty: this member alone");
  public static final Setting<String> CLUSTER_SERVICE_DNS = Setting.text("cluster.serviceDns", "",
      "headless service resolved for kubernetes discovery, e.g. socket-push-cluster.default.svc.cluster.local");
  public static final Setting<Integer> EVENTBUS_PORT = Setting.integer("eventbus.port", 0, 0, 65535,
      "TCP port of the clustered event bus; 0 picks a free one");

  public static final Setting<String> SECURITY_ALLOWED_ORIGINS = Setting.text("security.allowedOrigins", "self,localhost",
      "origins whose pages may open sockets: exact origins such as https://app.example.com, plus 'self' (the service's own) and 'localhost' (http(s)://localhost or 127.0.0.1 on any port)")
      .env("ALLOWED_ORIGINS");
  public static final Setting<Boolean> SECURITY_REQUIRE_ORIGIN = Setting.flag("security.requireOrigin", false,
      "refuse handshakes without an Origin header (non-browser clients)");
  public static final Setting<Boolean> SECURITY_JWT_REQUIRED = Setting.flag("security.jwt.required", false,
      "every socket needs a valid JWT (Authorization: Bearer, or ?token=); a token that is sent is always checked");
  public static final Setting<String> SECURITY_JWT_ALGORITHM = Setting.choice("security.jwt.algorithm", "HS256",
      "HS256 (shared secret), RS256 or ES256 (public key)", "HS256", "RS256", "ES256");
  public static final Setting<String> SECURITY_JWT_SECRET = Setting.text("security.jwt.secret", "",
      "HS256 shared secret, used as text (its UTF-8 bytes, not base64-decoded); genconfig writes a random one").env("JWT_SECRET");
  public static final Setting<String> SECURITY_JWT_PUBLIC_KEY = Setting.text("security.jwt.publicKey", "",
      "RS256/ES256 public key: PEM text, or the path of a PEM file").env("JWT_PUBLIC_KEY");
  public static final Setting<String> SECURITY_JWT_ISSUER = Setting.text("security.jwt.issuer", "",
      "required iss claim; empty: not checked");
  public static final Setting<String> SECURITY_JWT_AUDIENCE = Setting.text("security.jwt.audience", "",
      "required aud claim; empty: not checked");
  public static final Setting<String> TLS_CERT = Setting.text("tls.cert", "",
      "PEM certificate chain; with tls.key, serves https:// and wss:// only");
  public static final Setting<String> TLS_KEY = Setting.text("tls.key", "",
      "PEM private key (PKCS#8) of tls.cert");

  public static final Setting<Integer> LIMITS_MAX_CONNECTIONS = Setting.integer("limits.maxConnections", 19_000, 0, 10_000_000,
      "sockets this instance holds at most (503 beyond); 19,000 fits a limit of 20,000 open files per process; 0: no limit");
  public static final Setting<Integer> LIMITS_MAX_CONNECTIONS_PER_IP = Setting.integer("limits.maxConnectionsPerIp", 1000, 0, 10_000_000,
      "sockets one client address holds at most (429 beyond); 0: no limit");
  public static final Setting<Integer> LIMITS_NEW_CONNECTIONS_PER_SECOND = Setting.integer("limits.newConnectionsPerSecond", 5000, 0, 10_000_000,
      "handshakes accepted per second, token bucket with a burst of one second's worth (429 beyond); 0: no limit");
  public static final Setting<Integer> LIMITS_ECHO_MESSAGES_PER_SECOND = Setting.integer("limits.echoMessagesPerSecond", 1000, 0, 10_000_000,
      "messages one echo socket may send per second, with a burst of one second's worth (1008 beyond); 0: no limit");
  public static final Setting<Integer> LIMITS_PENDING_REQUESTS_PER_IP = Setting.integer("limits.pendingRequestsPerIp", 128, 0, 10_000_000,
      "plain HTTP connections one client address may hold while they wait for a request's head or body (a keep-alive connection between requests included); beyond, a new one is closed at once; 0: no limit");
  public static final Setting<Integer> LIMITS_HTTP_HEADER_TIMEOUT_MS = Setting.integer("limits.httpHeaderTimeoutMs", 10_000, 10, 3_600_000,
      "a connection must send a request's whole head this long after it was accepted or its previous response ended, or it is closed");
  public static final Setting<Integer> LIMITS_HTTP_BODY_TIMEOUT_MS = Setting.integer("limits.httpBodyTimeoutMs", 30_000, 10, 3_600_000,
      "a request's body must end, and a WebSocket handshake be answered, this long after its head, or the connection is closed");
  public static final Setting<Integer> LIMITS_API_PUBLISHES_PER_SECOND_PER_IP = Setting.integer("limits.apiPublishesPerSecondPerIp", 50, 0, 10_000_000,
      "POST /api/channels/{name} without the API key: publications one client address may make per second, burst of one second's worth (429, error 111 beyond); 0: no limit");
  public static final Setting<Integer> LIMITS_API_PUBLISHES_PER_SECOND_PER_KEY = Setting.integer("limits.apiPublishesPerSecondPerKey", 1000, 0, 10_000_000,
      "POST /api/channels/{name} with the API key: publications per second of all its holders on this node, burst of one second's worth (429, error 111 beyond); 0: no limit");

  public static final Setting<java.util.List<ChannelRule>> CHANNELS_RULES = Setting.custom("channels.rules",
      ChannelConfig.defaultRules(),
      "channel rules by name pattern, first match wins (JSON array; see docs/protocol.md)", ChannelConfig::parseRules);
  public static final Setting<Integer> CHANNELS_MAX_PER_CONNECTION = Setting.integer("channels.maxPerConnection", 128, 1, 100_000,
      "channels one connection may follow (error 106 beyond)");
  public static final Setting<Integer> CHANNELS_PUBLISHES_PER_SECOND = Setting.integer("channels.publishesPerSecond", 20, 1, 1_000_000,
      "publications one connection may make per second, burst of one second's worth (error 111 beyond; close 1008 after another second's worth)");
  public static final Setting<Integer> CHANNELS_REQUESTS_PER_SECOND = Setting.integer("channels.requestsPerSecond", 100, 1, 1_000_000,
      "messages one channel connection (/ws, /sockjs/channels) may send per second, burst of one second's worth (close 1008 beyond)");
  public static final Setting<String> CHANNELS_API_KEY = Setting.text("channels.apiKey", "",
      "key of POST /api/channels/{name} for server-side publishers (X-API-Key header); empty: JWTs only").env("CHANNELS_API_KEY");
  public static final Setting<Integer> CHANNELS_MAX_CHANNELS = Setting.integer("channels.maxChannels", 100_000, 1, 100_000_000,
      "channels (logs) this node holds at most; a new one evicts the idlest with no subscriber, else is refused (error 113, HTTP 503)");
  public static final Setting<Integer> CHANNELS_IDLE_TIMEOUT_MS = Setting.integer("channels.idleTimeoutMs", 300_000, 100, 604_800_000,
      "a channel with no subscriber and no unexpired history, unused this long, is forgotten (its numbering restarts with a new epoch)");
  public static final Setting<Integer> CHANNELS_PRESENCE_EVENTS_PER_SECOND = Setting.integer("channels.presenceEventsPerSecond", 20, 1, 1_000_000,
      "join/leave events per channel per second passed to its subscribers; beyond it they are counted into one presence summary per second");
  public static final Setting<Integer> CHANNELS_BATCH_MS = Setting.integer("channels.batchMs", 2, 0, 100,
      "in a cluster, how long a member gathers publications bound for one other member (to a channel's owner; to members with subscribers) before sending them as one message; 0: at the end of the event loop's pass");
  public static final Setting<Integer> CHANNELS_IDEMPOTENCY_WINDOW_MS = Setting.integer("channels.idempotencyWindowMs", 300_000, 1_000, 86_400_000,
      "how long a channel's log remembers a publication's idempotency key (and the ids of the batches it numbered): a publish repeating a key within this long (and within the channel's last 512 keyed publications at least) is answered with the first seq and not published again");

  public static final Setting<String> PROXY_CONNECT_URL = Setting.custom("proxy.connectUrl", "",
      "URL of your application asked whether a connection without a token may open, and as which user (POST, JSON; see docs/beside-your-app.md); empty: not asked",
      ProxyConfig::url);
  public static final Setting<String> PROXY_SUBSCRIBE_URL = Setting.custom("proxy.subscribeUrl", "",
      "URL of your application asked before a subscription to a channel whose rule says \"subscribe\":\"proxy\"", ProxyConfig::url);
  public static final Setting<String> PROXY_PUBLISH_URL = Setting.custom("proxy.publishUrl", "",
      "URL of your application asked before a client's publication on a channel whose rule says \"publish\":\"proxy\"; it may rewrite the data",
      ProxyConfig::url);
  public static final Setting<Integer> PROXY_TIMEOUT_MS = Setting.integer("proxy.timeoutMs", 3000, 10, 60_000,
      "a proxy call not answered in full within this long is refused (connect: HTTP 502; subscribe, publish: error 100)");
  public static final Setting<String> PROXY_HEADERS = Setting.text("proxy.headers", "Cookie,Authorization",
      "comma-separated names of the original request's headers passed on to the application whole, or of cookies passed on alone (e.g. sessionid: that cookie and not the others)");
  public static final Setting<Integer> PROXY_MAX_IN_FLIGHT = Setting.integer("proxy.maxInFlight", 256, 1, 100_000,
      "proxy calls this node makes at once; beyond, a connection is refused with 503 and a request with error 100, so a slow application cannot pile up sockets");

  public static final Setting<String> LOG_FORMAT = Setting.choice("log.format", "text",
      "text, or json for one JSON object per line", "text", "json");
  public static final Setting<String> LOG_LEVEL = Setting.choice("log.level", "INFO",
      "root log level: TRACE, DEBUG, INFO, WARN or ERROR", "TRACE", "DEBUG", "INFO", "WARN", "ERROR");

  public static final Setting<String> ADMIN_PASSWORD = Setting.text("admin.password", "",
      "password of the admin console; genconfig writes a random one").env("ADMIN_PASSWORD");

  public static final List<Setting<?>> ALL = List.of(
      HTTP_HOST, HTTP_PORT, HTTP_INSTANCES, HTTP_TRANSPORT,
      TICK_PERIOD_MS, TIME_ZONE, TIME_PATTERN,
      WS_MAX_MESSAGE_BYTES, WS_PING_INTERVAL_MS, WS_IDLE_TIMEOUT_MS, WS_WRITE_QUEUE_MAX_BYTES, WS_SLOW_CONSUMER_CLOSE_MS,
      WS_MAX_QUEUED_BYTES, WS_FRAMES_PER_SECOND,
      LONGPOLL_TIMEOUT_MS, SSE_HEARTBEAT_MS,
      SHUTDOWN_GRACE_MS,
      CLUSTER_ENABLED, CLUSTER_NAME, CLUSTER_HOST, CLUSTER_PORT, CLUSTER_DISCOVERY, CLUSTER_MEMBERS,
      CLUSTER_SERVICE_DNS, EVENTBUS_PORT,
      SECURITY_ALLOWED_ORIGINS, SECURITY_REQUIRE_ORIGIN, SECURITY_JWT_REQUIRED, SECURITY_JWT_ALGORITHM,
      SECURITY_JWT_SECRET, SECURITY_JWT_PUBLIC_KEY, SECURITY_JWT_ISSUER, SECURITY_JWT_AUDIENCE, TLS_CERT, TLS_KEY,
      LIMITS_MAX_CONNECTIONS, LIMITS_MAX_CONNECTIONS_PER_IP, LIMITS_NEW_CONNECTIONS_PER_SECOND,
      LIMITS_ECHO_MESSAGES_PER_SECOND, LIMITS_PENDING_REQUESTS_PER_IP, LIMITS_HTTP_HEADER_TIMEOUT_MS, LIMITS_HTTP_BODY_TIMEOUT_MS,
      LIMITS_API_PUBLISHES_PER_SECOND_PER_IP, LIMITS_API_PUBLISHES_PER_SECOND_PER_KEY,
      CHANNELS_RULES, CHANNELS_MAX_PER_CONNECTION, CHANNELS_PUBLISHES_PER_SECOND, CHANNELS_REQUESTS_PER_SECOND,
      CHANNELS_API_KEY, CHANNELS_MAX_CHANNELS, CHANNELS_IDLE_TIMEOUT_MS, CHANNELS_PRESENCE_EVENTS_PER_SECOND, CHANNELS_BATCH_MS,
      CHANNELS_IDEMPOTENCY_WINDOW_MS,
      PROXY_CONNECT_URL, PROXY_SUBSCRIBE_URL, PROXY_PUBLISH_URL, PROXY_TIMEOUT_MS, PROXY_HEADERS, PROXY_MAX_IN_FLIGHT,
      LOG_LEVEL, LOG_FORMAT,
      ADMIN_PASSWORD);
}
