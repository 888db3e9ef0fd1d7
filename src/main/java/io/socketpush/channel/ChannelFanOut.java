package io.socketpush.channel;

import io.socketpush.config.ChannelRule;
import io.socketpush.core.Hub;
import io.socketpush.core.Publication;
import io.socketpush.core.PushStats;
import io.socketpush.time.TickFanOut;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Takes channel publications from their owners (a batch read once per member, shared by its event
 * loops) and hands them to the hub of its event loop, in {@code seq} order; presence events from the
 * event bus. One per HTTP verticle instance, like {@link TickFanOut}; it keeps state only for channels
 * with a local subscriber.
 *
 * <p>Publications of one channel are numbered and sent by the channel's one owner, in order; two can
 * still cross when the owner changes (a member joins or dies) or, standalone, when two event loops
 * publish at once. One that comes early is
 * held until those before it arrive. If they have not come within {@link #GAP_WAIT_MS} (their
 * publisher died between numbering and publishing, or a new cluster connection is slow) they are read
 * from the channel's history, again every {@link #GAP_WAIT_MS}; only if neither the event bus nor
 * the history brings them within {@link #GAP_GIVE_UP_MS} does the fan-out move on, leaving a gap the
 * clients can see in {@code seq}.
 *
 * <p>Joins and leaves are passed on up to {@code channels.presenceEventsPerSecond} per channel per second;
 * beyond it they are only counted, and once the second is over the subscribers get one summary
 * ({@link Publication.Kind#PRESENCE}, {@code {"joins":J,"leaves":L}}) instead: churn in a room of N members
 * costs each member at most that many writes a second, not N per event.
 */
public final class ChannelFanOut {
  static final long GAP_WAIT_MS = 500;
  static final long GAP_GIVE_UP_MS = 5000;
  static final long PRESENCE_WINDOW_MS = 1000;

  private final Vertx vertx;
  private final Hub hub;
  private final ChannelService service;
  private final TickFanOut ticks;
  private final PushStats stats;
  private final long tickPeriodMs;
  private final int presencePerWindow;
  private final Map<String, State> states = new HashMap<>();
  private MessageConsumer<JsonObject> consumer;
  private Runnable removeDeliveries;
  private long gapTimer = -1;

  /** Where one channel stands on this event loop. */
  private static final class State {
    final ChannelRule rule;
    String epoch = "";
    long last = -1; // unknown until the first join has read the channel's position
    final TreeMap<Long, Publication> early = new TreeMap<>();
    long waitingSinceMs;
    long lastReadMs;
    boolean filling;
    long presenceWindowStartMs;
    int presencePassed;
    long joinsLeftOut;
    long leavesLeftOut;

    State(ChannelRule rule) {
      this.rule = rule;
    }
  }

  public ChannelFanOut(Vertx vertx, Hub hub, ChannelService service, TickFanOut ticks, PushStats stats, long tickPeriodMs) {
    this.vertx = vertx;
    this.hub = hub;
    this.service = service;
    this.ticks = ticks;
    this.stats = stats;
    this.tickPeriodMs = tickPeriodMs;
    this.presencePerWindow = service.config().presenceEventsPerSecond();
  }

  public Future<Void> start() {
    removeDeliveries = service.deliveries().add(vertx.getOrCreateContext(), this::onPublications);
    consumer = vertx.eventBus().consumer(ChannelAddresses.CHANNEL_PRESENCE, this::onPresence);
    gapTimer = vertx.setPeriodic(GAP_WAIT_MS / 5, t -> fillGaps());
    return consumer.completion();
  }

  public Future<Void> stop() {
    vertx.cancelTimer(gapTimer);
    if (removeDeliveries != null) {
      removeDeliveries.run();
    }
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  public ChannelService service() {
    return service;
  }

  /**
   * Adds the subscription to the hub, then reads the channel's position and what it missed since
   * {@code since} (−1: nothing to recover, then the last {@code recent} publications instead).
   * Completes, on this event loop, with the history; the caller answers its client and then calls
   * {@link ChannelSubscription#joined}.
   */
  public Future<History> join(ChannelSubscription sub, long since, String epoch, int recent) {
    String channel = sub.channel();
    if (channel.equals(TickFanOut.CHANNEL)) {
      hub.subscribe(channel, sub);
      return Future.succeededFuture(timeHistory(since, epoch));
    }
    State state = states.computeIfAbsent(channel, c -> new State(sub.rule()));
    hub.subscribe(channel, sub);
    return service.subscribe(channel, sub.rule(), since, epoch, recent)
        .andThen(read -> {
          if (read.succeeded() && states.get(channel) == state && state.last < 0) {
            state.epoch = read.result().epoch();
            state.last = read.result().top();
            release(channel, state);
          }
        })
        .onFailure(e -> leave(sub));
  }

  /** Removes the subscription; forgets the channel when it was the last one here. */
  public void leave(ChannelSubscription sub) {
    if (!sub.close()) {
      return; // left already
    }
    if (!sub.channel().equals(TickFanOut.CHANNEL)) {
      service.unsubscribed(sub.channel());
    }
    hub.unsubscribe(sub.channel(), sub);
    if (hub.subscribers(sub.channel()) == 0) {
      states.remove(sub.channel());
    }
  }

  /** The time channel keeps no history: a client is recovered only if it missed nothing. */
  private History timeHistory(long since, String epoch) {
    Publication latest = ticks.latest();
    long top = latest == null ? 0 : latest.seq();
    String timeEpoch = TickFanOut.epoch(tickPeriodMs);
    boolean asked = since >= 0;
    return new History(timeEpoch, top, List.of(), asked, asked && timeEpoch.equals(epoch) && since == top);
  }

  /** Numbered publications from their channels' owners, shared with the other event loops of this member. */
  private void onPublications(List<Publication> publications) {
    for (Publication p : publications) {
      State state = states.get(p.channel());
      if (state != null) {
        offer(p.channel(), state, p);
      }
    }
  }

  private void onPresence(Message<JsonObject> message) {
    JsonObject body = message.body();
    String channel = body.getString("channel");
    State state = channel == null ? null : states.get(channel);
    if (state == null) {
      return; // nobody here follows it
    }
    long now = service.clock().millis();
    JsonObject join = body.getJsonObject("join");
    JsonObject leave = body.getJsonObject("leave");
    if (join != null || leave != null) {
      if (presencePassed(channel, state, now)) {
        hub.publish(new Publication(channel, join != null ? Publication.Kind.JOIN : Publication.Kind.LEAVE,
            join != null ? join : leave, 0, "", now, now));
      } else {
        // counted when left out, not when summed up: the summary waits for the end of the second
        stats.presenceCoalesced(1);
        if (join != null) {
          state.joinsLeftOut++;
        } else {
          state.leavesLeftOut++;
        }
      }
      return;
    }
  }

  /** Whether a join or leave is within the channel's presence limit for this second (a new second sums up the last). */
  private boolean presencePassed(String channel, State state, long now) {
    if (now - state.presenceWindowStartMs >= PRESENCE_WINDOW_MS) {
      summarisePresence(channel, state, now);
    }
    if (state.presencePassed < presencePerWindow) {
      state.presencePassed++;
      return true;
    }
    return false;
  }

  /** Ends the channel's presence second: one summary of what was left out in it, if anything was. */
  private void summarisePresence(String channel, State state, long now) {
    long leftOut = state.joinsLeftOut + state.leavesLeftOut;
    if (leftOut > 0) {
      hub.publish(new Publication(channel, Publication.Kind.PRESENCE,
          new JsonObject().put("joins", state.joinsLeftOut).put("leaves", state.leavesLeftOut), 0, "", now, now));
    }
    state.presenceWindowStartMs = now;
    state.presencePassed = 0;
    state.joinsLeftOut = 0;
    state.leavesLeftOut = 0;
  }

  private void offer(String channel, State state, Publication p) {
    if (state.last >= 0 && !p.epoch().equals(state.epoch)) {
      // the channel's log was lost (every copy) or forgotten, and numbering restarted: follow the new epoch,
      // and tell its new log at once that this member has subscribers
      service.interest().again(channel);
      state.epoch = p.epoch();
      state.last = p.seq() - 1;
      state.early.clear();
    }
    if (state.last >= 0 && p.seq() <= state.last) {
      return; // a duplicate
    }
    state.early.put(p.seq(), p);
    release(channel, state);
  }

  /** Hands on every held publication that is next in order; notes since when the next one is missing. */
  private void release(String channel, State state) {
    if (state.last < 0) {
      return;
    }
    long before = state.last;
    Iterator<Map.Entry<Long, Publication>> held = state.early.entrySet().iterator();
    while (held.hasNext()) {
      Map.Entry<Long, Publication> next = held.next();
      if (next.getKey() <= state.last) {
        held.remove();
      } else if (next.getKey() == state.last + 1) {
        held.remove();
        deliver(state, next.getValue());
      } else {
        break;
      }
    }
    // the wait for a missing publication starts when it is first missed, and again after any progress
    state.waitingSinceMs = state.early.isEmpty() ? 0
        : state.waitingSinceMs != 0 && state.last == before ? state.waitingSinceMs : service.clock().millis();
  }

  private void deliver(State state, Publication p) {
    state.last = p.seq();
    stats.channelDelivered(hub.publish(p));
  }

  /** Reads from history what was waited for too long, or moves on past it when it is lost for good. */
  private void fillGaps() {
    long now = service.clock().millis();
    states.forEach((channel, state) -> {
      if (state.joinsLeftOut + state.leavesLeftOut > 0 && now - state.presenceWindowStartMs >= PRESENCE_WINDOW_MS) {
        summarisePresence(channel, state, now);
      }
      if (state.waitingSinceMs == 0 || state.filling || now - state.waitingSinceMs < GAP_WAIT_MS
          || now - state.lastReadMs < GAP_WAIT_MS) {
        return;
      }
      state.filling = true;
      state.lastReadMs = now;
      long from = state.last;
      service.history(channel, state.rule, from, state.epoch, 0).onComplete(read -> {
        state.filling = false;
        if (states.get(channel) != state || state.last != from) {
          return; // it moved on meanwhile
        }
        if (read.succeeded()) {
          for (ChannelLog.Entry e : read.result().missed()) {
            if (e.seq() != state.last + 1 || !state.early.isEmpty() && e.seq() >= state.early.firstKey()) {
              break;
            }
            stats.channelGap(1);
            deliver(state, e.toPublication(channel, state.epoch, service.clock().millis()));
          }
        }
        boolean stillMissing = !state.early.isEmpty() && state.early.firstKey() > state.last + 1;
        if (stillMissing && service.clock().millis() - state.waitingSinceMs >= GAP_GIVE_UP_MS) {
          stats.channelGap(state.early.firstKey() - state.last - 1);
          state.last = state.early.firstKey() - 1; // lost for good: move on, the clients see the gap
        }
        release(channel, state);
      });
    });
  }
}
