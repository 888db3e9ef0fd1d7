package io.socketpush.server;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.socketpush.admin.LoginThrottle;
import io.socketpush.channel.ChannelService;
import io.socketpush.config.LimitsConfig;
import io.socketpush.core.PushStats;
import io.socketpush.security.HandshakePolicy;
import io.socketpush.security.PendingRequests;
import io.socketpush.security.RatePerKey;

import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What the verticles of one node share: its clock, its counters, its channels and whether it is draining. Made once by
 * {@link SocketPush} and handed to each verticle; no static state.
 */
public final class NodeState {
  private final InstantSource clock;
  private final PushStats stats;
  private final HandshakePolicy handshakes;
  private final Extensions extensions;
  private final AtomicBoolean draining = new AtomicBoolean();
  private final ChannelService channels;
  private final PendingRequests pendingRequests;
  private final RatePerKey apiPublishesPerIp;
  private final RatePerKey apiPublishesPerKey;
  private final LoginThrottle adminLogins;
  private final long startedAtMs;
  private final Users users;

  public NodeState(InstantSource clock, MeterRegistry registry, HandshakePolicy handshakes, LimitsConfig limits,
            UnaryOperator<String> channelLabel, Function<PushStats, ChannelService> channels, Extensions extensions) {
    this.clock = clock;
    this.startedAtMs = clock.millis();
    this.extensions = extensions;
    this.stats = new PushStats(registry, channelLabel);
    this.channels = channels.apply(stats);
    this.handshakes = handshakes;
    this.users = new Users(this.channels.nodes(), clock);
    this.pendingRequests = new PendingRequests(limits.pendingRequestsPerIp());
    this.apiPublishesPerIp = new RatePerKey(limits.apiPublishesPerSecondPerIp(), clock);
    this.apiPublishesPerKey = new RatePerKey(limits.apiPublishesPerSecondPerKey(), clock);
    this.adminLogins = new LoginThrottle(registry);
    Gauge.builder("socketpush.http.pending", pendingRequests::total)
        .description("plain HTTP connections waiting for a request's head or body (idle keep-alive included)").register(registry);
  }

  /**
   * Where every component of the node outside the channels reads the time (ticks, sweeps, expiries, rates,
   * deadlines): {@link InstantSource#system()} in production, a clock a test moves in tests. Vert.x timers
   * still fire on real time; what they compare against comes from here.
   */
  public InstantSource clock() {
    return clock;
  }

  /** Plain HTTP connections waiting for a request, per client address: the node's, shared by its event loops. */
  public PendingRequests pendingRequests() {
    return pendingRequests;
  }

  /** {@code POST /api/channels/{name}} without the API key, per client address. */
  public RatePerKey apiPublishesPerIp() {
    return apiPublishesPerIp;
  }

  /** Failed logins to the admin console per client address: the node's, shared by its event loops. */
  public LoginThrottle adminLogins() {
    return adminLogins;
  }

  /** When this node was made, for its uptime. */
  public long startedAtMs() {
    return startedAtMs;
  }

  /** {@code POST /api/channels/{name}} with the API key. */
  public RatePerKey apiPublishesPerKey() {
    return apiPublishesPerKey;
  }

  /** Origin, token and limit checks, shared by every HTTP verticle instance: the limits are per node. */
  public HandshakePolicy handshakes() {
    return handshakes;
  }

  /** The connections of a user across the cluster, and this node's event loops that hold some. */
  public Users users() {
    return users;
  }

  /** The node's channels: rules, publishing, history, presence. */
  public ChannelService channels() {
    return channels;
  }

  /** What is plugged in from outside the product (see {@link Extension}); usually nothing. */
  public Extensions extensions() {
    return extensions;
  }

  public PushStats stats() {
    return stats;
  }

  public boolean draining() {
    return draining.get();
  }

  /** Returns true the first time only. */
  public boolean startDraining() {
    return draining.compareAndSet(false, true);
  }
}
