package io.socketpush.channel;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IndeterminateOperationStateException;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionOn;
import io.micrometer.core.instrument.Counter;
import io.socketpush.config.ChannelConfig;
import io.socketpush.config.ChannelRule;
import io.socketpush.core.PushStats;
import io.socketpush.time.TickFanOut;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * In a cluster: each channel's log is one entry of the Hazelcast map {@value #LOGS}, so Hazelcast's
 * partitioning gives every channel one owner member, and every change is an entry processor run on
 * that owner's partition thread, one at a time: two members publishing at once still get two
 * different, consecutive numbers. The map keeps one synchronous backup on another member, updated
 * before a publish is acknowledged, so an acknowledged publication and its number survive the loss of
 * any one member (the backup's partition is promoted). Presence lists are entries of {@value #PRESENCE},
 * changed the same way; when a member dies, every survivor removes that member's clients (the first
 * to run finds them) and announces them as gone.
 *
 * <p>The channels held are bounded by Hazelcast itself ({@link #configureMaps}): at most
 * {@code channels.maxChannels} logs per member (the least recently used evicted first) and each forgotten
 * after {@code channels.idleTimeoutMs} without a publication or a read that created it. A channel with
 * a subscriber is kept from looking idle: every member rewrites the logs of its subscribed channels a few
 * times per idle lifetime ({@link #forgetIdle}). A forgotten channel restarts with a new epoch.
 *
 * <p>Every Hazelcast call here is asynchronous; nothing blocks an event loop.
 */
public final class HazelcastBackend implements ChannelBackend {
  private static final Logger LOG = LoggerFactory.getLogger(HazelcastBackend.class);
  /** Hazelcast map of channel logs: channel name → {@link ChannelLog}. */
  public static final String LOGS = "socket-push.channels";
  /** Hazelcast map of presence lists: channel name → client id → {@link Client}. */
  public static final String PRESENCE = "socket-push.presence";
  /** Hazelcast split-brain protection of {@value #LOGS}: see {@link #configureMaps}. */
  static final String QUORUM = "socket-push.channels.quorum";
  /** A read whose owner left mid-way is asked again this often, this long apart: Hazelcast's own retry pause. */
  private static final int READ_ATTEMPTS = 5;
  private static final long READ_RETRY_MS = 500;

  /** The member attribute in which vertx-hazelcast keeps a member's Vert.x node id. */
  static final String VERTX_NODE_ID = "__vertx.nodeId";
  /** How long after a member died its clients are looked for again: a join it sent just before can land late. */
  static final long LATE_JOIN_MS = 10_000;

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final IMap<String, ChannelLog> logs;
  private final IMap<String, LinkedHashMap<String, Client>> presence;
  private final PushStats stats;
  /** The members this one must see to number publications ({@link #configureMaps}); 1: no protection. */
  private final int quorum;
  private UUID membershipListener;
  /** Passes over the presence lists for a departed member: the first when it is noticed, the late one after. */
  private final Counter firstPasses;
  private final Counter latePasses;
  private final InstantSource clock;

  public HazelcastBackend(Vertx vertx, HazelcastInstance hazelcast, PushStats stats) {
    this(vertx, hazelcast, stats, InstantSource.system());
  }

  /** @param clock the node's clock: when a log was last used, for forgetting idle ones */
  public HazelcastBackend(Vertx vertx, HazelcastInstance hazelcast, PushStats stats, InstantSource clock) {
    this.vertx = vertx;
    this.clock = clock;
    this.hazelcast = hazelcast;
    this.logs = hazelcast.getMap(LOGS);
    this.presence = hazelcast.getMap(PRESENCE);
    this.stats = stats;
    SplitBrainProtectionConfig protection = hazelcast.getConfig().getSplitBrainProtectionConfigs().get(QUORUM);
    this.quorum = protection != null && protection.isEnabled() ? protection.getMinimumClusterSize() : 1;
    this.firstPasses = departedPasses(stats, "first");
    this.latePasses = departedPasses(stats, "late");
    stats.channelStore(() -> logs.getLocalMapStats().getOwnedEntryCount(),
        () -> logs.getLocalMapStats().getExpirationCount(), () -> logs.getLocalMapStats().getEvictionCount());
  }

  private static Counter departedPasses(PushStats stats, String pass) {
    return Counter.builder("socketpush.presence.departed.passes").tag("pass", pass)
        .description("passes over the presence lists that removed a departed member's clients (a first one when it is "
            + "noticed, a late one " + LATE_JOIN_MS + " ms later), done or failed").register(stats.registry());
  }

  /**
   * The channel maps' configuration, for every member's Hazelcast {@link Config}. Logs: one synchronous
   * backup (an acknowledged publication survives one member's loss); at most {@code maxChannels} per member,
   * the least recently used evicted beyond (a flood of distinct names cannot fill the heap); forgotten after
   * {@code idleTimeoutMs} unused. Kept as objects: every change is an entry processor, which then runs on the
   * stored log itself, on the owner and on the backup, instead of deserialising and serialising the whole
   * history (up to historySize entries) twice per publication.
   *
   * <p>With a {@code quorum} above 1 the logs are split-brain protected: a member that sees fewer members
   * than that (the minority side of a network partition) runs no change on them (every access is an entry
   * processor, a write), so it numbers no publication the majority does not know of; it refuses with
   * {@link ChannelError#NO_QUORUM} instead (docs/partitions.md, with the window before it notices). Presence
   * lists are not protected: they are not numbered, and both sides' lists are merged after the heal.
   */
  public static void configureMaps(Config config, ChannelConfig channels, int quorum) {
    MapConfig logs = new MapConfig(LOGS).setBackupCount(1).setAsyncBackupCount(0);
    if (quorum > 1) {
      config.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(QUORUM, true, quorum)
          .setProtectOn(SplitBrainProtectionOn.READ_WRITE));
      logs.setSplitBrainProtectionName(QUORUM);
      // Until a side notices the cut (5 s without heartbeats) it still has its quorum, and Hazelcast
      // acknowledges a write whose backup never answered once the backup timeout passes: an owner cut off
      // alone would acknowledge publications the other side never gets. With this, such a write (and one
      // whose owner left mid-way, instead of being run again elsewhere) fails, indeterminate, as error 100.
      // A Hazelcast-wide setting: Vert.x's own maps fail the same way instead of acknowledging half-done.
      config.setProperty("hazelcast.operation.fail.on.indeterminate.state", "true");
    }
    config.addMapConfig(logs
        .setInMemoryFormat(InMemoryFormat.OBJECT)
        .setMaxIdleSeconds((int) Math.max(1, (channels.idleTimeoutMs() + 999) / 1000))
        .setEvictionConfig(new EvictionConfig().setEvictionPolicy(EvictionPolicy.LRU)
            .setMaxSizePolicy(MaxSizePolicy.PER_NODE).setSize(channels.maxChannels())));
    config.addMapConfig(new MapConfig(PRESENCE).setBackupCount(1).setAsyncBackupCount(0)
        .setInMemoryFormat(InMemoryFormat.OBJECT));
    config.getSerializationConfig().addDataSerializableFactory(LogOperations.FACTORY_ID, new LogOperations());
  }

  /**
   * Rewrites the logs of the channels with a subscriber on this member, unchanged, so that neither the idle
   * lifetime nor the eviction of the least recently used forgets them under their subscribers (whose client
   * would see the numbering restart). A log already forgotten is not made again: the next publication does.
   */
  @Override
  public void forgetIdle() {
    Set<String> subscribed = new java.util.HashSet<>(stats.subscribedChannels());
    subscribed.remove(TickFanOut.CHANNEL);
    if (!subscribed.isEmpty()) {
      logs.submitToKeys(subscribed, new Touch()).exceptionally(e -> {
        LOG.warn("subscribed channels not kept alive: {}", e.toString());
        return null;
      });
    }
  }

  @Override
  public Future<Numbered> appendAll(String channel, ChannelRule rule, Batch batch) {
    return onCaller(logs.submitToKey(channel, new LogOperations.AppendBatch(batch, rule.historySize(), rule.historyTtlMs())))
        .recover(HazelcastBackend::noQuorum)
        .compose(answer -> quorumLostMeanwhile()
            ? Future.failedFuture(new ChannelError(ChannelError.INTERNAL,
                "not known whether it was numbered: this member lost sight of the majority while it ran; check before publishing again"))
            : Future.succeededFuture(answer.toNumbered()));
  }

  @Override
  public int quorum() {
    return quorum;
  }

  @Override
  public String incarnation(String node) {
    for (Member member : hazelcast.getCluster().getMembers()) {
      if (node.equals(member.getAttribute(VERTX_NODE_ID))) {
        return member.getUuid().toString();
      }
    }
    return null;
  }

  @Override
  public String ownerOf(String channel) {
    Member owner = hazelcast.getPartitionService().getPartition(channel).getOwner();
    return owner == null ? null : owner.getAttribute(VERTX_NODE_ID);
  }

  @Override
  public Future<History> history(String channel, ChannelRule rule, long since, String epoch, int recent) {
    return read(channel, new Read(since, epoch, recent, clock.millis(), rule.historyTtlMs(), ChannelLog.newEpoch(), null, 0),
        READ_ATTEMPTS);
  }

  @Override
  public Future<History> subscribe(String channel, ChannelRule rule, long since, String epoch, int recent, String node, long gen) {
    return read(channel, new Read(since, epoch, recent, clock.millis(), rule.historyTtlMs(),
        ChannelLog.newEpoch(), node, gen), READ_ATTEMPTS);
  }

  @Override
  public Future<Void> unsubscribe(String channel, String node, long gen) {
    return onCaller(logs.submitToKey(channel, new LogOperations.Interest(node, gen, false, null, clock.millis()))).mapEmpty();
  }

  @Override
  public Future<Void> interested(String channel, String node, long gen) {
    return onCaller(logs.submitToKey(channel, new LogOperations.Interest(node, gen, true, null, clock.millis()))).mapEmpty();
  }

  /**
   * Whether this member now sees fewer members than the quorum. The protection learns of a membership change a
   * moment after the partition table does: in between, an append on a partition this member owns runs with no
   * backup left to copy it to and is not refused, so it would be acknowledged, then lost at the merge
   * (docs/partitions.md, gap 1). Checked once the append is answered, which only happens on this side.
   */
  private boolean quorumLostMeanwhile() {
    return quorum > 1 && hazelcast.getCluster().getMembers().size() < quorum;
  }

  /**
   * A read is safe to run twice (it only ever creates a missing log, the same way), so one that failed because
   * the channel's owner left mid-way is asked again, of the new owner, where Hazelcast itself no longer retries
   * ({@code fail.on.indeterminate.state}, see {@link #configureMaps}).
   */
  private Future<History> read(String channel, Read read, int attempts) {
    return onCaller(logs.submitToKey(channel, read)).recover(e -> attempts > 1 && indeterminate(e)
        ? vertx.timer(READ_RETRY_MS).compose(t -> read(channel, read, attempts - 1))
        : noQuorum(e));
  }

  private static boolean indeterminate(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof IndeterminateOperationStateException) {
        return true;
      }
    }
    return false;
  }

  /**
   * A refusal by the split-brain protection becomes {@link ChannelError#NO_QUORUM} (nothing was numbered); a write
   * whose copies were not all confirmed becomes {@link ChannelError#INTERNAL} (it may or may not have been); anything
   * else stays as it is.
   */
  static <T> Future<T> noQuorum(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof SplitBrainProtectionException) {
        return Future.failedFuture(new ChannelError(ChannelError.NO_QUORUM,
            "this member cannot reach a majority of the cluster: nothing is numbered here until it can; try again"));
      }
      if (cause instanceof IndeterminateOperationStateException) {
        return Future.failedFuture(new ChannelError(ChannelError.INTERNAL,
            "not known whether it was numbered: the channel's owner or its backup was cut off mid-way; check before publishing again"));
      }
    }
    return Future.failedFuture(failure);
  }

  @Override
  public Future<Boolean> join(String channel, Client client) {
    return onCaller(presence.submitToKey(channel, new Join(client)));
  }

  @Override
  public Future<Boolean> leave(String channel, String clientId) {
    return onCaller(presence.submitToKey(channel, new Leave(clientId)));
  }

  @Override
  public Future<List<Client>> present(String channel) {
    return onCaller(presence.getAsync(channel)).map(clients -> clients == null ? List.of() : new ArrayList<>(clients.values()));
  }

  @Override
  public void onOrphans(BiConsumer<String, Client> left) {
    membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        // clients are tagged with the Vert.x node id, which vertx-hazelcast keeps as a member attribute
        String dead = event.getMember().getAttribute(VERTX_NODE_ID);
        dropClientsOf(dead, left, firstPasses);
        // a join the dead member sent just before it died can still reach the channel's owner after the
        // first pass: a second pass later removes it, and its client is announced as leaving then
        vertx.setTimer(LATE_JOIN_MS, t -> dropClientsOf(dead, left, latePasses));
      }
    });
  }

  /** Removes a departed member's clients from every presence list and announces each as leaving. */
  private void dropClientsOf(String dead, BiConsumer<String, Client> left, Counter passes) {
    // executeOnEntries waits for every partition: a worker thread, never an event loop or Hazelcast's event thread
    vertx.executeBlocking(() -> presence.executeOnEntries(new DropNode(dead)), false)
        .onSuccess(removed -> {
          int gone = 0;
          for (Map.Entry<String, List<Client>> channel : removed.entrySet()) {
            if (channel.getValue() != null) {
              channel.getValue().forEach(c -> left.accept(channel.getKey(), c));
              gone += channel.getValue().size();
            }
          }
          if (gone > 0) {
            LOG.info("member {} left: {} of its clients removed from presence lists", dead, gone);
          }
        })
        .onFailure(e -> LOG.warn("could not clear the presence of departed member {}: {}", dead, e.toString()))
        .onComplete(done -> passes.increment());
  }

  @Override
  public Future<Void> close() {
    if (membershipListener != null) {
      try {
        hazelcast.getCluster().removeMembershipListener(membershipListener);
      } catch (RuntimeException e) {
        LOG.debug("membership listener not removed: {}", e.toString()); // Hazelcast already shut down
      }
    }
    return Future.succeededFuture();
  }

  private <T> Future<T> onCaller(CompletionStage<T> stage) {
    Context context = vertx.getOrCreateContext();
    return Future.fromCompletionStage(stage, context);
  }

  /**
   * Reads the position and what was missed; creates the log if there is none, so the epoch a
   * subscriber is told is the one its publications will carry. With a {@code node}, records in the same
   * step that this member has subscribers: a publication is then either in the history read or sent to it.
   * (Java-serialised: a subscribe, not the publication path.)
   */
  record Read(long since, String epoch, int recent, long nowMs, long ttlMs, String freshEpoch, String node, long gen)
      implements EntryProcessor<String, ChannelLog, History> {
    @Override
    public History process(Map.Entry<String, ChannelLog> entry) {
      ChannelLog log = entry.getValue();
      if (log == null) {
        log = new ChannelLog(freshEpoch, nowMs);
        entry.setValue(log);
      }
      if (node != null) {
        log.interested(node, gen);
        entry.setValue(log);
      }
      return log.since(since, epoch, recent, nowMs, ttlMs);
    }

    @Override
    public EntryProcessor<String, ChannelLog, History> getBackupProcessor() {
      // the backup needs the log a read creates and the interest it records, nothing else of the read
      return node == null ? new CreateOnly(freshEpoch, nowMs) : new InterestBackup(new LogOperations.Interest(node, gen, true, freshEpoch, nowMs));
    }
  }

  /** Rewrites a log as it is: a write, which Hazelcast counts as use (reads by entry processor are not). */
  record Touch() implements EntryProcessor<String, ChannelLog, Boolean> {
    @Override
    public Boolean process(Map.Entry<String, ChannelLog> entry) {
      if (entry.getValue() == null) {
        return false;
      }
      entry.setValue(entry.getValue());
      return true;
    }
  }

  record CreateOnly(String freshEpoch, long nowMs) implements EntryProcessor<String, ChannelLog, History> {
    @Override
    public History process(Map.Entry<String, ChannelLog> entry) {
      if (entry.getValue() == null) {
        entry.setValue(new ChannelLog(freshEpoch, nowMs));
      }
      return null;
    }
  }

  /** A read's backup half when it records interest: typed as the read is, for Hazelcast's generics. */
  record InterestBackup(LogOperations.Interest interest) implements EntryProcessor<String, ChannelLog, History> {
    @Override
    public History process(Map.Entry<String, ChannelLog> entry) {
      interest.process(entry);
      return null;
    }
  }

  record Join(Client client) implements EntryProcessor<String, LinkedHashMap<String, Client>, Boolean> {
    @Override
    public Boolean process(Map.Entry<String, LinkedHashMap<String, Client>> entry) {
      LinkedHashMap<String, Client> clients = entry.getValue() == null ? new LinkedHashMap<>() : entry.getValue();
      boolean added = clients.put(client.id(), client) == null;
      entry.setValue(clients);
      return added;
    }
  }

  record Leave(String clientId) implements EntryProcessor<String, LinkedHashMap<String, Client>, Boolean> {
    @Override
    public Boolean process(Map.Entry<String, LinkedHashMap<String, Client>> entry) {
      LinkedHashMap<String, Client> clients = entry.getValue();
      if (clients == null || clients.remove(clientId) == null) {
        return false;
      }
      entry.setValue(clients.isEmpty() ? null : clients);
      return true;
    }
  }

  /** Removes the clients of a departed member from every presence list; returns them, per channel. */
  record DropNode(String node) implements EntryProcessor<String, LinkedHashMap<String, Client>, List<Client>> {
    @Override
    public List<Client> process(Map.Entry<String, LinkedHashMap<String, Client>> entry) {
      LinkedHashMap<String, Client> clients = entry.getValue();
      if (clients == null) {
        return null;
      }
      List<Client> gone = new ArrayList<>();
      clients.values().removeIf(c -> {
        if (c.node().equals(node)) {
          gone.add(c);
          return true;
        }
        return false;
      });
      if (!gone.isEmpty()) {
        entry.setValue(clients.isEmpty() ? null : clients);
      }
      return gone.isEmpty() ? null : gone;
    }
  }
}
