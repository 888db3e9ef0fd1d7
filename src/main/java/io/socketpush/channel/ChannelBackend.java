package io.socketpush.channel;

import io.socketpush.config.ChannelRule;
import io.vertx.core.Future;

import java.util.List;

/**
 * Where a channel's order, history and presence live: in this node's memory standalone
 * ({@link LocalBackend}), in Hazelcast maps in a cluster ({@link HazelcastBackend}). Futures complete
 * on the caller's context.
 */
public interface ChannelBackend {
  /** The position given to a publication. */
  record Appended(String epoch, long seq) implements java.io.Serializable {
  }

  /** Numbers the publication ({@code data} is its JSON text) and keeps it as the rule says. */
  Future<Appended> append(String channel, ChannelRule rule, String data, long ts);

  /**
   * The channel's position, and what came after {@code since} of {@code epoch}; or, when {@code since}
   * is −1 (no position), the last {@code recent} publications kept.
   */
  Future<History> history(String channel, ChannelRule rule, long since, String epoch, int recent);

  /** Adds a client to a presence channel's list; completes with false if it was there already. */
  Future<Boolean> join(String channel, Client client);

  /** Removes a client from a presence channel's list; completes with false if it was not there. */
  Future<Boolean> leave(String channel, String clientId);

  /** Who is in a presence channel. */
  Future<List<Client>> present(String channel);

  /**
   * Tells the backend who to announce as gone when a member dies with clients in presence lists
   * (called with the channel and the client, on some thread: hand it to a context).
   */
  default void onOrphans(java.util.function.BiConsumer<String, Client> left) {
  }

  /**
   * Forgets the channels no longer used (see {@link ChannelLimits}); in a cluster Hazelcast forgets them
   * itself, and this keeps those with a subscriber on this member from looking unused. Called every
   * {@link #sweepPeriodMs} by one verticle of the node.
   */
  default void forgetIdle() {
  }

  /** How often {@link #forgetIdle} runs: a few times per idle lifetime, at least once a minute. */
  static long sweepPeriodMs(long idleTimeoutMs) {
    return Math.max(50, Math.min(60_000, idleTimeoutMs / 4));
  }

  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
