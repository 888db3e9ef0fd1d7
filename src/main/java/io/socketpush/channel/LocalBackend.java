package io.socketpush.channel;

import io.socketpush.config.ChannelConfig;
import io.socketpush.config.ChannelRule;
import io.socketpush.core.PushStats;
import io.vertx.core.Future;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Standalone: the channels' logs and presence lists in this node's memory, shared by its event
 * loops. Each log is locked only for an append or a read of its few entries: nothing blocks. How many
 * logs are held, and for how long, is up to {@link ChannelLimits}.
 */
public final class LocalBackend implements ChannelBackend {
  private final ChannelLimits<Held> logs;
  private final Map<String, Map<String, Client>> presence = new ConcurrentHashMap<>();

  /** @param clock the time of idleness and history lifetimes ({@link InstantSource#system()} but in tests) */
  public LocalBackend(ChannelConfig config, InstantSource clock, PushStats stats) {
    this.logs = new ChannelLimits<>(config.maxChannels(), config.idleTimeoutMs(), clock, c -> stats.subscribers(c) > 0, stats);
  }

  /** One channel's log, and when it was last used; its lock guards both. */
  static final class Held implements ChannelLimits.Held {
    private final ChannelLog log = ChannelLog.fresh();
    private long ttlMs;
    private long lastUsedMs;
    private boolean forgotten;

    @Override
    public long lastUsedMs() {
      return lastUsedMs;
    }

    @Override
    public boolean keepsHistory(long nowMs) {
      return log.keeps(nowMs, ttlMs);
    }

    @Override
    public void forget() {
      forgotten = true;
    }

    @Override
    public boolean forgotten() {
      return forgotten;
    }

    void used(long nowMs, long ttlMs) {
      this.lastUsedMs = Math.max(lastUsedMs, nowMs);
      this.ttlMs = ttlMs;
    }
  }

  private static final String[] THIS_NODE = {"local"};

  @Override
  public Future<Numbered> appendAll(String channel, ChannelRule rule, Batch batch) {
    try {
      while (true) {
        Held held = logs.acquire(channel, Held::new);
        synchronized (held) {
          if (!held.forgotten) {
            held.used(logs.clock().millis(), rule.historyTtlMs());
            boolean[] repeats = new boolean[batch.data().length];
            long[] seqs = held.log.appendAll(batch, rule.historySize(), rule.historyTtlMs(), repeats);
            return Future.succeededFuture(new Numbered(held.log.epoch(), seqs, repeats, THIS_NODE));
          }
        }
      }
    } catch (ChannelError e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public Future<History> history(String channel, ChannelRule rule, long since, String epoch, int recent) {
    try {
      while (true) {
        Held held = logs.acquire(channel, Held::new);
        synchronized (held) {
          if (!held.forgotten) {
            long now = logs.clock().millis();
            held.used(now, rule.historyTtlMs());
            return Future.succeededFuture(held.log.since(since, epoch, recent, now, rule.historyTtlMs()));
          }
        }
      }
    } catch (ChannelError e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public void forgetIdle() {
    logs.sweep();
  }

  @Override
  public Future<Boolean> join(String channel, Client client) {
    boolean[] added = new boolean[1];
    presence.compute(channel, (c, clients) -> {
      Map<String, Client> list = clients == null ? new LinkedHashMap<>() : clients;
      added[0] = list.put(client.id(), client) == null;
      return list;
    });
    return Future.succeededFuture(added[0]);
  }

  @Override
  public Future<Boolean> leave(String channel, String clientId) {
    boolean[] removed = new boolean[1];
    presence.computeIfPresent(channel, (c, clients) -> {
      removed[0] = clients.remove(clientId) != null;
      return clients.isEmpty() ? null : clients;
    });
    return Future.succeededFuture(removed[0]);
  }

  @Override
  public Future<List<Client>> present(String channel) {
    List<Client> present = new ArrayList<>();
    presence.computeIfPresent(channel, (c, clients) -> {
      present.addAll(clients.values());
      return clients;
    });
    return Future.succeededFuture(present);
  }
}
