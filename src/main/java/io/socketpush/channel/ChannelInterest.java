package io.socketpush.channel;

import io.vertx.core.Future;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * Which channels this member has subscribers of, over all its event loops, so that each channel's
 * owner sends it their publications and no others. Every join says so again (with the history read,
 * in one step on the owner); the last leave says it no longer does. Each says it with a generation, one
 * more at each join: a leave that crosses a later join on the way to the owner does not cancel it.
 */
final class ChannelInterest {
  /** How often a member says again which channels it has subscribers of (and keeps their logs from looking idle). */
  static final long PERIOD_MS = 30_000;

  private final ChannelBackend backend;
  private final String node;
  private final Map<String, long[]> channels = new ConcurrentHashMap<>(); // {subscribers here, generation}
  private long generation; // guarded by the map's compute of each channel: any value above the last works

  ChannelInterest(ChannelBackend backend, String node) {
    this.backend = backend;
    this.node = node;
  }

  /** A subscriber joins; {@code subscribe} records the interest (and reads the history) with its generation. */
  <T> Future<T> joined(String channel, BiFunction<String, Long, Future<T>> subscribe) {
    long[] now = channels.compute(channel, (c, had) -> {
      long gen = nextGeneration();
      return had == null ? new long[] {1, gen} : new long[] {had[0] + 1, gen};
    });
    return subscribe.apply(node, now[1]);
  }

  /** A subscriber left (one that {@link #joined}); with the last one, the owner stops sending. */
  void left(String channel) {
    long[] gone = new long[1];
    channels.computeIfPresent(channel, (c, had) -> {
      if (had[0] > 1) {
        return new long[] {had[0] - 1, had[1]};
      }
      gone[0] = had[1];
      return null;
    });
    if (gone[0] != 0) {
      backend.unsubscribe(channel, node, gone[0]);
    }
  }

  /** Says again that this member has subscribers of the channel (its log was made anew: a new epoch came). */
  void again(String channel) {
    long[] now = channels.get(channel);
    if (now != null) {
      backend.interested(channel, node, now[1]);
    }
  }

  /** The channels with subscribers here, with their generation (to say so again). */
  Map<String, Long> channels() {
    Map<String, Long> out = new java.util.HashMap<>();
    channels.forEach((c, v) -> out.put(c, v[1]));
    return out;
  }

  private synchronized long nextGeneration() {
    return ++generation;
  }
}
