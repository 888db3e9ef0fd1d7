package io.socketpush.channel;

import io.socketpush.config.ChannelRule;
import io.socketpush.core.Publication;
import io.socketpush.core.Subscriber;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One connection's subscription to one channel, as the hub sees it. It passes on each publication
 * once, in order: nothing at or below the last {@code seq} it passed on. While it joins (its
 * history is being read) it holds what the hub delivers, then passes on what was missed, then what
 * it held: so a client that recovers sees no gap and no duplicate between history and live.
 */
public final class ChannelSubscription implements Subscriber {
  /** Publications held while joining; more means the channel is busier than a join can follow. */
  static final int MAX_HELD = 10_000;

  private final String channel;
  private final ChannelRule rule;
  private final Consumer<Publication> sink;
  private String epoch = "";
  private long last = -1;
  private List<Publication> held = new ArrayList<>();
  private boolean overflowed;
  private boolean closed;

  /** @param sink writes one message to the connection (the encoded {@link ChannelMessages} form of the transport) */
  public ChannelSubscription(String channel, ChannelRule rule, Consumer<Publication> sink) {
    this.channel = channel;
    this.rule = rule;
    this.sink = sink;
  }

  public String channel() {
    return channel;
  }

  public ChannelRule rule() {
    return rule;
  }

  /** The last sequence number passed on (the channel's top when it joined, if nothing came since). */
  public long last() {
    return last;
  }

  public String epoch() {
    return epoch;
  }

  @Override
  public void deliver(Publication p) {
    if (closed) {
      return;
    }
    if (p.kind() != Publication.Kind.PUBLICATION) {
      if (held == null) {
        sink.accept(p); // presence events are not numbered: passed on live, not recovered
      }
      return;
    }
    if (held != null) {
      if (held.size() < MAX_HELD) {
        held.add(p);
      } else {
        overflowed = true;
      }
      return;
    }
    pass(p);
  }

  private void pass(Publication p) {
    if (!p.epoch().equals(epoch)) {
      epoch = p.epoch(); // the channel's numbering restarted (its log was lost): follow the new one
    } else if (p.seq() <= last) {
      return;
    }
    last = p.seq();
    sink.accept(p);
  }

  /**
   * Ends the join: the history's missed publications (when recovered; or the recent ones asked for
   * without a position), then those held. Returns false if more arrived while joining than could be
   * held (the client should re-subscribe).
   */
  public boolean joined(History history, long receivedAtMs) {
    epoch = history.epoch();
    last = history.top();
    if ((history.recovered() || !history.asked()) && !history.missed().isEmpty()) {
      last = history.missed().get(0).seq() - 1;
      for (ChannelLog.Entry e : history.missed()) {
        pass(e.toPublication(channel, epoch, receivedAtMs));
      }
    }
    List<Publication> pending = held;
    held = null;
    for (Publication p : pending) {
      pass(p);
    }
    return !overflowed;
  }

  /** Passes on nothing more; returns false if it was closed already. */
  public boolean close() {
    boolean wasOpen = !closed;
    closed = true;
    return wasOpen;
  }
}
