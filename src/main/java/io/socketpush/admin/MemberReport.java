package io.socketpush.admin;

import io.socketpush.core.PushStats;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What one member says about itself to the admin console, on {@link #ADDRESS}: its address, uptime, sockets
 * by transport, whether it leads the ticker, its message counters (totals: the page turns them into rates)
 * and tick fan-out time, and its busiest channels by local subscribers.
 */
final class MemberReport {
  /** Asked of each member (ClusterNodes appends the member's id); the question is {}, the answer {@link #answer}. */
  static final String ADDRESS = "socket-push.admin.member";
  /** Channels each member reports; the console shows the busiest of their union. */
  static final int CHANNELS_PER_MEMBER = 20;

  private final String memberId;
  private final PushStats stats;
  private final InstantSource clock;
  private final long startedAtMs;
  private final Supplier<String> httpAddress;

  MemberReport(String memberId, PushStats stats, InstantSource clock, long startedAtMs, Supplier<String> httpAddress) {
    this.memberId = memberId;
    this.clock = clock;
    this.stats = stats;
    this.startedAtMs = startedAtMs;
    this.httpAddress = httpAddress;
  }

  JsonObject answer() {
    JsonObject all = stats.toJson();
    // counts read once each: they change while we sort
    List<Map.Entry<String, Long>> busiest = stats.subscribedChannels().stream()
        .map(c -> Map.entry(c, stats.subscribers(c)))
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
        .limit(CHANNELS_PER_MEMBER).toList();
    JsonArray channels = new JsonArray();
    busiest.forEach(e -> channels.add(new JsonObject().put("channel", e.getKey()).put("subscribers", e.getValue())));
    long now = clock.millis();
    return new JsonObject()
        .put("id", memberId)
        .put("address", httpAddress.get())
        .put("uptimeMs", now - startedAtMs)
        .put("sockets", all.getJsonObject("socketsOpen"))
        .put("leader", stats.leadingTicker())
        .put("messagesIn", all.getLong("messagesIn"))
        .put("messagesOut", all.getLong("messagesOut"))
        .put("tickFanOutMeanMs", all.getDouble("tickFanOutMeanMs"))
        .put("tickFanOutMaxMs", all.getDouble("tickFanOutMaxMs"))
        .put("channels", channels)
        .put("at", now);
  }
}
