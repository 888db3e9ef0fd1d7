package io.socketpush.time;

import io.socketpush.core.Hub;
import io.socketpush.core.Publication;
import io.socketpush.core.PushStats;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * Takes each tick from the event bus and hands it to the hub of its event loop. One consumer per HTTP
 * verticle instance, never one per socket. A tick whose period ({@code seq}, {@code ts / tick.periodMs})
 * is not above the last one delivered is dropped here, so no subscriber ever gets a tick twice or a clock
 * that goes backwards, even while two tickers overlap: during a failover, or when the two sides of a
 * network partition, each with its ticker, merge again (docs/partitions.md).
 */
public final class TickFanOut {
  public static final String CHANNEL = "time";
  /**
   * The epoch of the time channel's numbering: a tick's {@code seq} is {@code ts / tick.periodMs}, the
   * same on every member and after a ticker failover, so it only restarts if the period changes.
   */
  public static String epoch(long periodMs) {
    return "time-" + periodMs;
  }

  private final Vertx vertx;
  private final Hub hub;
  private final PushStats stats;
  private final long periodMs;
  private MessageConsumer<JsonObject> consumer;
  private long lastTs;
  private Publication latest;

  /** @param periodMs the tick period: a tick that comes more than one and a half periods after the last is a gap */
  public TickFanOut(Vertx vertx, Hub hub, PushStats stats, long periodMs) {
    this.vertx = vertx;
    this.hub = hub;
    this.stats = stats;
    this.periodMs = periodMs;
  }

  public Future<Void> start() {
    consumer = vertx.eventBus().consumer(TimeAddresses.TIME_TICKS, this::onTick);
    return consumer.completion();
  }

  public Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /** The newest tick this instance has seen, or null before the first. */
  public Publication latest() {
    return latest;
  }

  private void onTick(Message<JsonObject> message) {
    JsonObject tick = message.body();
    Long ts = tick.getLong("ts");
    if (ts == null || ts / periodMs <= lastTs / periodMs) {
      return; // not a later period than the last: a second ticker's tick for a period already delivered
    }
    if (lastTs != 0 && ts - lastTs > periodMs * 3 / 2) {
      // ticks missed, e.g. while the ticker failed over; rounded, as ticks land a few ms after their boundary
      stats.tickGap(Math.round((double) (ts - lastTs) / periodMs) - 1);
    }
    lastTs = ts;
    latest = new Publication(CHANNEL, Publication.Kind.PUBLICATION, tick, ts / periodMs, epoch(periodMs), ts,
        System.currentTimeMillis());
    int delivered = hub.publish(latest);
    stats.tickFannedOut(delivered, System.currentTimeMillis() - ts);
  }
}
