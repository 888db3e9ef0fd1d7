package io.socketpush.core;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which local subscribers follow which channel, for the sockets of one event loop. Each HTTP
 * verticle instance owns one hub, so it is used from one thread only and needs no locks.
 *
 * <p>Fan-out iterates over a snapshot array, rebuilt only when membership changes: a publication
 * allocates nothing per subscriber, and a subscriber that leaves during a fan-out does not disturb it.
 */
public final class Hub {
  private static final Subscriber[] NONE = new Subscriber[0];

  private final Map<String, Members> channels = new HashMap<>();
  private final PushStats stats;

  public Hub(PushStats stats) {
    this.stats = stats;
  }

  public void subscribe(String channel, Subscriber subscriber) {
    if (channels.computeIfAbsent(channel, c -> new Members()).add(subscriber)) {
      stats.subscribed(channel, 1);
    }
  }

  public void unsubscribe(String channel, Subscriber subscriber) {
    Members members = channels.get(channel);
    if (members != null && members.remove(subscriber)) {
      stats.subscribed(channel, -1);
      if (members.isEmpty()) {
        channels.remove(channel);
      }
    }
  }

  /** Delivers to every local subscriber of the publication's channel; returns how many there were. */
  public int publish(Publication publication) {
    Members members = channels.get(publication.channel());
    if (members == null) {
      return 0;
    }
    Subscriber[] targets = members.snapshot();
    for (Subscriber target : targets) {
      target.deliver(publication);
    }
    return targets.length;
  }

  public int subscribers(String channel) {
    Members members = channels.get(channel);
    return members == null ? 0 : members.set.size();
  }

  private static final class Members {
    private final Set<Subscriber> set = new LinkedHashSet<>();
    private Subscriber[] snapshot = NONE;

    boolean add(Subscriber s) {
      boolean added = set.add(s);
      if (added) {
        snapshot = null;
      }
      return added;
    }

    boolean remove(Subscriber s) {
      boolean removed = set.remove(s);
      if (removed) {
        snapshot = null;
      }
      return removed;
    }

    boolean isEmpty() {
      return set.isEmpty();
    }

    Subscriber[] snapshot() {
      if (snapshot == null) {
        snapshot = set.toArray(NONE);
      }
      return snapshot;
    }
  }
}
