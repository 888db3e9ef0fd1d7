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

  /**
   * The positions given to a batch of publications, in its order ({@link #seq}), which of them were repeats of a
   * publication the log had already numbered ({@link #repeat}: answered with its first position, not to be
   * delivered again), and the members that have subscribers of the channel (their Vert.x node ids).
   *
   * @param repeats null when there is none (the usual case)
   */
  record Numbered(String epoch, long[] seqs, boolean[] repeats, String[] interested) {
    long seq(int i) {
      return seqs[i];
    }

    boolean repeat(int i) {
      return repeats != null && repeats[i];
    }
  }

  /**
   * A batch of publications of one channel to number: {@code data[i]} is the JSON text of the i-th, sent at
   * {@code ts[i]}, with its client's idempotency key {@code keys[i]} (null: none). Every publication also has an
   * id of its own, {@code idNode:idFirst + i}, and the batch that of its first, so that a batch Hazelcast runs
   * again is recognised; the log remembers batches and keys for {@code windowMs} (and at most
   * {@link IdempotencyWindow#MAX}).
   */
  record Batch(String[] data, long[] ts, String[] keys, long idNode, long idFirst, long windowMs) {
    /** One publication, without a key, with a fresh id. */
    static Batch of(String data, long ts, long windowMs) {
      return new Batch(new String[] {data}, new long[] {ts}, new String[1], PublicationIds.NODE, PublicationIds.next(1), windowMs);
    }
  }

  /** Numbers a batch of publications of one channel, keeps them as the rule says; one operation and, in a cluster, one backup for all. */
  Future<Numbered> appendAll(String channel, ChannelRule rule, Batch batch);

  /** Numbers one publication ({@code data} is its JSON text) and keeps it as the rule says. */
  default Future<Appended> append(String channel, ChannelRule rule, String data, long ts) {
    return appendAll(channel, rule, Batch.of(data, ts, PublicationIds.DEFAULT_WINDOW_MS)).map(n -> new Appended(n.epoch(), n.seq(0)));
  }

  /**
   * The Vert.x node id of the member that numbers the channel's publications (in a cluster, the owner of
   * the channel's partition), or null for this node: standalone, or while the owner is not known.
   */
  default String ownerOf(String channel) {
    return null;
  }

  /**
   * As {@link #history}, and records at the same moment that member {@code node} has subscribers of the
   * channel (its interest generation {@code gen}): every publication numbered after this read is sent to
   * that member, every one before it is in the answer's history.
   */
  default Future<History> subscribe(String channel, ChannelRule rule, long since, String epoch, int recent, String node, long gen) {
    return history(channel, rule, since, epoch, recent);
  }

  /** Says again that member {@code node} has subscribers (heals an interest lost with every copy of a log). */
  default Future<Void> interested(String channel, String node, long gen) {
    return Future.succeededFuture();
  }

  /** Member {@code node} has no subscriber of the channel left (interest generation {@code gen}). */
  default Future<Void> unsubscribe(String channel, String node, long gen) {
    return Future.succeededFuture();
  }

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

  /**
   * How many members, this one included, must hold a numbered publication before it is acknowledged: 1 standalone
   * or without split-brain protection, else the protection's minimum (a majority of the listed members).
   */
  default int quorum() {
    return 1;
  }

  /**
   * Which incarnation of a member this is (Hazelcast gives a member a new id when it merges back after a
   * partition), or null if this member does not see it: a confirmation is given to the incarnation that asked.
   */
  default String incarnation(String node) {
    return node;
  }

  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
