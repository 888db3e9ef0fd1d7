package io.socketpush.channel;

import io.socketpush.core.PushStats;

import java.time.InstantSource;
import java.util.Comparator;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The channels one node holds, bounded, whatever a channel holds ({@code V}: a log here, a sequencer later).
 * Every name published or subscribed to costs memory, so:
 * <ul>
 * <li>a channel with no subscriber on this node, no publication still within its history lifetime, and
 *     unused for {@code idleTimeoutMs} is forgotten by {@link #sweep};</li>
 * <li>a new channel beyond {@code maxChannels} first evicts the idlest channels without subscribers, those
 *     without unexpired history before those with; if every channel has a subscriber it is refused
 *     ({@link ChannelError#CHANNELS_FULL}).</li>
 * </ul>
 * A forgotten channel used again starts a new epoch: a client coming back to it is told it did not recover.
 * Evicting history rather than refusing keeps a flood of one-publication names from locking every new room
 * out for a whole history lifetime.
 *
 * <p>Shared by the node's event loops; nothing blocks but the short lock of one held channel. A held
 * channel is locked (synchronized on it) to be checked and forgotten; its users lock it likewise and look it
 * up again if they find it {@linkplain Held#forgotten() forgotten}.
 */
public final class ChannelLimits<V extends ChannelLimits.Held> {
  /** What the bounds need to know of a held channel. Called with its lock held. */
  public interface Held {
    /** When it was last published to or read, epoch ms. */
    long lastUsedMs();

    /** Whether it keeps a publication still within its history lifetime at {@code nowMs}. */
    boolean keepsHistory(long nowMs);

    /** Marks it forgotten: whoever still has it must look the channel up again. */
    void forget();

    boolean forgotten();
  }

  /** Evictions are made in batches of this share of {@code maxChannels}, so a flood pays one scan per batch, not per name. */
  static final int EVICTION_BATCH_DIVISOR = 64;
  static final int MAX_EVICTION_BATCH = 1024;

  private final Map<String, V> channels = new ConcurrentHashMap<>();
  private final AtomicInteger held = new AtomicInteger();
  private final AtomicLong forgottenIdle = new AtomicLong();
  private final AtomicLong evicted = new AtomicLong();
  private final Object evicting = new Object();
  private final int maxChannels;
  private final long idleTimeoutMs;
  private final InstantSource clock;
  private final Predicate<String> subscribed;
  private final PushStats stats;

  /** @param subscribed whether a channel has a subscriber on this node (standalone: anywhere) */
  public ChannelLimits(int maxChannels, long idleTimeoutMs, InstantSource clock, Predicate<String> subscribed, PushStats stats) {
    this.maxChannels = maxChannels;
    this.idleTimeoutMs = idleTimeoutMs;
    this.clock = clock;
    this.subscribed = subscribed;
    this.stats = stats;
    stats.channelStore(held::get, forgottenIdle::get, evicted::get);
  }

  public InstantSource clock() {
    return clock;
  }

  /** How many channels are held. */
  public int size() {
    return held.get();
  }

  /**
   * The channel, made by {@code fresh} if it is not held; making room for it when the node is full.
   * Throws {@link ChannelError#CHANNELS_FULL} when no channel can be evicted.
   */
  public V acquire(String channel, Supplier<V> fresh) {
    V existing = channels.get(channel);
    if (existing != null) {
      return existing;
    }
    reserve();
    boolean[] made = new boolean[1];
    V v = channels.computeIfAbsent(channel, c -> {
      made[0] = true;
      return fresh.get();
    });
    if (!made[0]) {
      held.decrementAndGet();
    }
    return v;
  }

  private void reserve() {
    while (true) {
      int n = held.get();
      if (n >= maxChannels) {
        if (!evictIdlest()) {
          stats.channelRefused();
          throw new ChannelError(ChannelError.CHANNELS_FULL,
              "this node holds " + maxChannels + " channels, all with subscribers: try again later");
        }
      } else if (held.compareAndSet(n, n + 1)) {
        return;
      }
    }
  }

  /** Forgets every channel without a subscriber, without unexpired history, and unused for {@code idleTimeoutMs}. */
  public void sweep() {
    long now = clock.millis();
    channels.forEach((channel, v) -> {
      if (forget(channel, v, now, false)) {
        forgottenIdle.incrementAndGet();
      }
    });
  }

  /** Evicts a batch of the idlest channels without a subscriber; false if there was none (or another thread made room). */
  private boolean evictIdlest() {
    synchronized (evicting) {
      if (held.get() < maxChannels) {
        return true;
      }
      long now = clock.millis();
      int batch = Math.max(1, Math.min(MAX_EVICTION_BATCH, maxChannels / EVICTION_BATCH_DIVISOR));
      // the head is the least idle of those chosen so far: the one to drop when an idler one is found
      Comparator<Candidate> idlestFirst = Comparator.comparing(Candidate::keepsHistory).thenComparingLong(Candidate::lastUsedMs);
      PriorityQueue<Candidate> chosen = new PriorityQueue<>(batch + 1, idlestFirst.reversed());
      channels.forEach((channel, v) -> {
        if (subscribed.test(channel)) {
          return;
        }
        Candidate c;
        synchronized (v) {
          c = new Candidate(channel, v, v.keepsHistory(now), v.lastUsedMs());
        }
        chosen.add(c);
        if (chosen.size() > batch) {
          chosen.poll();
        }
      });
      boolean freed = false;
      for (Candidate c : chosen) {
        if (forget(c.channel(), c.held(), now, true)) {
          evicted.incrementAndGet();
          freed = true;
        }
      }
      return freed;
    }
  }

  private record Candidate(String channel, Object held, boolean keepsHistory, long lastUsedMs) {
  }

  /** Forgets the channel if it still has no subscriber and (unless the node is full) is idle. */
  @SuppressWarnings("unchecked")
  private boolean forget(String channel, Object candidate, long now, boolean full) {
    V v = (V) candidate;
    synchronized (v) {
      if (v.forgotten() || subscribed.test(channel)
          || !full && (v.keepsHistory(now) || now - v.lastUsedMs() < idleTimeoutMs)) {
        return false;
      }
      v.forget();
    }
    if (channels.remove(channel, v)) {
      held.decrementAndGet();
    }
    return true;
  }
}
