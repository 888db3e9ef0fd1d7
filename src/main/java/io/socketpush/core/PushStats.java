package io.socketpush.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The counters of one node, as Micrometer meters (scraped at {@code GET /metrics}) and as JSON
 * ({@code GET /api/stats}). Shared by the node's verticle instances, each on its own event loop, so
 * every meter is concurrent. Meters are looked up once (per endpoint, per code), never per message.
 */
public final class PushStats {
  private final MeterRegistry registry;
  private final Map<String, EndpointMeters> endpoints = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> subscribers = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> subscribersByLabel = new ConcurrentHashMap<>();
  private final Map<String, Counter> published = new ConcurrentHashMap<>();
  private final java.util.function.UnaryOperator<String> channelLabel;
  private final Counter channelDeliveries;
  private final Counter channelGaps;
  private final Counter channelsRefused;
  private final Counter presenceCoalesced;
  private volatile java.util.function.LongSupplier channelsHeld = () -> 0;
  private volatile java.util.function.LongSupplier channelsForgottenIdle = () -> 0;
  private volatile java.util.function.LongSupplier channelsEvicted = () -> 0;
  private final Map<String, Counter> refused = new ConcurrentHashMap<>();
  private final Map<String, Counter> httpRefused = new ConcurrentHashMap<>();
  private final Map<String, Counter> overLimit = new ConcurrentHashMap<>();
  private final Counter ticksPublished;
  private final Counter ticksReceived;
  private final Counter deliveries;
  private final Counter skippedSlow;
  private final Counter gaps;
  private final Timer fanOut;
  private volatile boolean leadingTicker;

  /** @param channelLabel the metric label of a channel (its rule's pattern): one series per rule, not per room */
  public PushStats(MeterRegistry registry, java.util.function.UnaryOperator<String> channelLabel) {
    this.registry = registry;
    this.channelLabel = channelLabel;
    channelDeliveries = Counter.builder("socketpush.channels.delivered").description("channel publications written to subscribers").register(registry);
    channelGaps = Counter.builder("socketpush.channels.gaps").description("channel publications a fan-out waited for in vain and fetched from history (filled) or skipped").register(registry);
    channelsRefused = Counter.builder("socketpush.channels.refused").tag("reason", "channels-full")
        .description("new channels refused because the node held channels.maxChannels, all with subscribers (error 113)").register(registry);
    presenceCoalesced = Counter.builder("socketpush.channels.presence.coalesced")
        .description("join/leave events over channels.presenceEventsPerSecond, counted into a presence summary instead of passed on, per event loop").register(registry);
    ticksPublished = Counter.builder("socketpush.ticks.published").description("ticks this node published as the cluster's ticker").register(registry);
    ticksReceived = Counter.builder("socketpush.ticks.received").description("ticks taken from the event bus, per HTTP verticle instance").register(registry);
    deliveries = Counter.builder("socketpush.ticks.delivered").description("tick writes to sockets").register(registry);
    skippedSlow = Counter.builder("socketpush.ticks.skipped.slow").description("ticks skipped because a socket's write queue was full").register(registry);
    gaps = Counter.builder("socketpush.ticks.missed").description("ticks that never arrived (a gap in ts), per HTTP verticle instance: a ticker failover").register(registry);
    fanOut = Timer.builder("socketpush.tick.fanout")
        .description("from a tick's publication (its ts) to its last write on this node")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
    for (String limit : new String[] {LIMIT_QUEUE, LIMIT_FRAMES, LIMIT_SLOW}) {
      closedOverLimit(limit, 0); // every series exists from the start, for alerts on its rate
    }
    Gauge.builder("socketpush.ticker.leader", () -> leadingTicker ? 1 : 0)
        .description("1 if this node holds the ticker lock and publishes the ticks").register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public EndpointMeters endpoint(String name) {
    return endpoints.computeIfAbsent(name, n -> new EndpointMeters(registry, n));
  }

  void subscribed(String channel, int delta) {
    subscribers.compute(channel, (c, n) -> {
      long now = (n == null ? 0 : n.get()) + delta;
      return now <= 0 ? null : n == null ? new AtomicLong(now) : set(n, now);
    });
    subscribersByLabel.computeIfAbsent(channelLabel.apply(channel), label -> {
      AtomicLong n = new AtomicLong();
      Gauge.builder("socketpush.subscribers", n, AtomicLong::get).tag("channel", label)
          .description("local subscribers, per channel rule (time, chat:*, ...)").register(registry);
      return n;
    }).addAndGet(delta);
  }

  private static AtomicLong set(AtomicLong n, long value) {
    n.set(value);
    return n;
  }

  /** A publication numbered on this node, per channel rule. */
  public void channelPublished(String label) {
    published.computeIfAbsent(label, l -> Counter.builder("socketpush.channels.published").tag("channel", l)
        .description("channel publications numbered by this node, per channel rule").register(registry)).increment();
  }

  public void channelDelivered(int subscribers) {
    channelDeliveries.increment(subscribers);
  }

  public void channelGap(long publications) {
    channelGaps.increment(publications);
  }

  /**
   * Where the channels this node holds are counted (once, by the channel backend): how many it holds, how many
   * it forgot unused ({@code channels.idleTimeoutMs}) and how many it evicted to make room ({@code channels.maxChannels}).
   */
  public void channelStore(java.util.function.LongSupplier held, java.util.function.LongSupplier forgottenIdle,
                           java.util.function.LongSupplier evicted) {
    channelsHeld = held;
    channelsForgottenIdle = forgottenIdle;
    channelsEvicted = evicted;
    Gauge.builder("socketpush.channels.held", () -> channelsHeld.getAsLong())
        .description("channels (logs) held in this node's memory; in a cluster, those whose partition it owns").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("socketpush.channels.forgotten", this, s -> s.channelsForgottenIdle.getAsLong())
        .tag("reason", "idle").description("channels forgotten after channels.idleTimeoutMs unused").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("socketpush.channels.forgotten", this, s -> s.channelsEvicted.getAsLong())
        .tag("reason", "full").description("channels evicted to make room under channels.maxChannels").register(registry);
  }

  public void channelRefused() {
    channelsRefused.increment();
  }

  public void presenceCoalesced(long events) {
    presenceCoalesced.increment(events);
  }

  /** The channels with a subscriber on this node. */
  public java.util.Set<String> subscribedChannels() {
    return java.util.Collections.unmodifiableSet(subscribers.keySet());
  }

  /** {@code ws.maxQueuedBytes}: a socket dropped because too many bytes were queued for it. */
  public static final String LIMIT_QUEUE = "queue";
  /** {@code ws.framesPerSecond}: a socket closed for sending too many frames. */
  public static final String LIMIT_FRAMES = "frames";
  /** {@code ws.slowConsumerCloseMs}: a socket closed because its write queue stayed full. */
  public static final String LIMIT_SLOW = "slow";

  /** A socket closed (1008) because it went over one of the per-socket limits above. */
  public void closedOverLimit(String limit) {
    closedOverLimit(limit, 1);
  }

  private void closedOverLimit(String limit, int n) {
    overLimit.computeIfAbsent(limit, l -> Counter.builder("socketpush.sockets.closed.limit").tag("limit", l)
        .description("WebSockets closed with 1008 for going over a per-socket limit: queue (ws.maxQueuedBytes), "
            + "frames (ws.framesPerSecond), slow (ws.slowConsumerCloseMs)").register(registry)).increment(n);
  }

  public void handshakeRefused(String reason) {
    refused.computeIfAbsent(reason, r -> Counter.builder("socketpush.handshakes.refused").tag("reason", r)
        .description("WebSocket handshakes refused, by reason").register(registry)).increment();
  }

  /**
   * A plain HTTP connection closed by a bound (header, body or handshake timeout, pending requests per address),
   * or a request refused by one (publication rate, body too large), by reason.
   */
  public void httpRefused(String reason) {
    httpRefused.computeIfAbsent(reason, r -> Counter.builder("socketpush.http.refused").tag("reason", r)
        .description("plain HTTP connections closed and requests refused by a bound, by reason").register(registry)).increment();
  }

  public void tickPublished() {
    ticksPublished.increment();
  }

  /** One instance has fanned a tick out to {@code delivered} local subscribers, the last write {@code ageMs} after its ts. */
  public void tickFannedOut(int delivered, long ageMs) {
    ticksReceived.increment();
    deliveries.increment(delivered);
    fanOut.record(Math.max(0, ageMs), TimeUnit.MILLISECONDS);
  }

  public void tickGap(long missed) {
    gaps.increment(missed);
  }

  public void skippedSlow() {
    skippedSlow.increment();
  }

  public void leadingTicker(boolean leading) {
    leadingTicker = leading;
  }

  public boolean leadingTicker() {
    return leadingTicker;
  }

  public long subscribers(String channel) {
    AtomicLong n = subscribers.get(channel);
    return n == null ? 0 : n.get();
  }

  public JsonObject toJson() {
    JsonObject open = new JsonObject();
    JsonObject closed = new JsonObject();
    long in = 0;
    long out = 0;
    for (EndpointMeters e : endpoints.values()) {
      open.put(e.name(), e.open());
      e.closedByCode().forEach((code, n) -> closed.put(code, closed.getLong(code, 0L) + n));
      in += e.messagesIn();
      out += e.messagesOut();
    }
    JsonObject subs = new JsonObject();
    subscribersByLabel.forEach((k, v) -> subs.put(k, v.get()));
    JsonObject limits = new JsonObject();
    overLimit.forEach((k, v) -> limits.put(k, (long) v.count()));
    JsonObject refusals = new JsonObject();
    refused.forEach((k, v) -> refusals.put(k, (long) v.count()));
    JsonObject httpRefusals = new JsonObject();
    httpRefused.forEach((k, v) -> httpRefusals.put(k, (long) v.count()));
    return new JsonObject()
        .put("socketsOpen", open)
        .put("socketsClosedByCode", closed)
        .put("subscribers", subs)
        .put("socketsClosedByLimit", limits)
        .put("handshakesRefused", refusals)
        .put("channels", new JsonObject()
            .put("held", channelsHeld.getAsLong())
            .put("forgottenIdle", channelsForgottenIdle.getAsLong())
            .put("evicted", channelsEvicted.getAsLong())
            .put("refused", (long) channelsRefused.count())
            .put("presenceCoalesced", (long) presenceCoalesced.count()))
        .put("httpRefused", httpRefusals)
        .put("leadingTicker", leadingTicker)
        .put("ticksPublished", (long) ticksPublished.count())
        .put("ticksReceived", (long) ticksReceived.count())
        .put("tickDeliveries", (long) deliveries.count())
        .put("ticksSkippedSlow", (long) skippedSlow.count())
        .put("ticksMissed", (long) gaps.count())
        .put("tickFanOutMeanMs", fanOut.mean(TimeUnit.MILLISECONDS))
        .put("tickFanOutMaxMs", fanOut.max(TimeUnit.MILLISECONDS))
        .put("messagesIn", in)
        .put("messagesOut", out);
  }
}
