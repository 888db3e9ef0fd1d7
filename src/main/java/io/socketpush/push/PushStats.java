package io.socketpush.push;

import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one node, shared by its verticle instances (each instance runs on its own event loop,
 * so the counters are concurrent). Served as JSON at {@code GET /api/stats}.
 */
public final class PushStats {
  private final Map<String, AtomicLong> socketsOpen = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> subscribers = new ConcurrentHashMap<>();
  private final Map<Integer, LongAdder> closedByCode = new ConcurrentHashMap<>();
  private final LongAdder ticksPublished = new LongAdder();
  private final LongAdder ticksReceived = new LongAdder();
  private final LongAdder deliveries = new LongAdder();
  private final LongAdder skippedSlow = new LongAdder();
  private final LongAdder messagesIn = new LongAdder();
  private final LongAdder messagesOut = new LongAdder();
  private volatile boolean leadingTicker;

  /** Whether this node holds the ticker lock and publishes the ticks. */
  public void leadingTicker(boolean leading) {
    leadingTicker = leading;
  }

  public boolean leadingTicker() {
    return leadingTicker;
  }

  public void socketOpened(String endpoint) {
    socketsOpen.computeIfAbsent(endpoint, e -> new AtomicLong()).incrementAndGet();
  }

  public void socketClosed(String endpoint, int code) {
    socketsOpen.computeIfAbsent(endpoint, e -> new AtomicLong()).decrementAndGet();
    closedByCode.computeIfAbsent(code, c -> new LongAdder()).increment();
  }

  void subscribed(String channel, int delta) {
    subscribers.computeIfAbsent(channel, c -> new AtomicLong()).addAndGet(delta);
  }

  public void tickPublished() {
    ticksPublished.increment();
  }

  public void tickReceived(int delivered) {
    ticksReceived.increment();
    deliveries.add(delivered);
  }

  public void skippedSlow() {
    skippedSlow.increment();
  }

  public void messageIn() {
    messagesIn.increment();
  }

  public void messageOut() {
    messagesOut.increment();
  }

  public long subscribers(String channel) {
    AtomicLong n = subscribers.get(channel);
    return n == null ? 0 : n.get();
  }

  public JsonObject toJson() {
    JsonObject open = new JsonObject();
    socketsOpen.forEach((k, v) -> open.put(k, v.get()));
    JsonObject subs = new JsonObject();
    subscribers.forEach((k, v) -> subs.put(k, v.get()));
    JsonObject closed = new JsonObject();
    closedByCode.forEach((k, v) -> closed.put(String.valueOf(k), v.sum()));
    return new JsonObject()
        .put("socketsOpen", open)
        .put("socketsClosedByCode", closed)
        .put("subscribers", subs)
        .put("leadingTicker", leadingTicker)
        .put("ticksPublished", ticksPublished.sum())
        .put("ticksReceived", ticksReceived.sum())
        .put("tickDeliveries", deliveries.sum())
        .put("ticksSkippedSlow", skippedSlow.sum())
        .put("messagesIn", messagesIn.sum())
        .put("messagesOut", messagesOut.sum());
  }
}
