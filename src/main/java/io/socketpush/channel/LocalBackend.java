package io.socketpush.channel;

import io.socketpush.config.ChannelRule;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Standalone: the channels' logs and presence lists in this node's memory, shared by its event
 * loops. Each log is locked only for an append or a read of its few entries: nothing blocks.
 */
public final class LocalBackend implements ChannelBackend {
  private final Map<String, ChannelLog> logs = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Client>> presence = new ConcurrentHashMap<>();

  private static final String[] THIS_NODE = {"local"};

  @Override
  public Future<Numbered> appendAll(String channel, ChannelRule rule, String[] data, long[] ts) {
    ChannelLog log = logs.computeIfAbsent(channel, c -> ChannelLog.fresh());
    synchronized (log) {
      return Future.succeededFuture(new Numbered(log.epoch(), log.appendAll(data, ts, rule.historySize(), rule.historyTtlMs()), THIS_NODE));
    }
  }

  @Override
  public Future<History> history(String channel, ChannelRule rule, long since, String epoch, int recent) {
    ChannelLog log = logs.computeIfAbsent(channel, c -> ChannelLog.fresh().touched(System.currentTimeMillis()));
    synchronized (log) {
      return Future.succeededFuture(log.since(since, epoch, recent, System.currentTimeMillis(), rule.historyTtlMs()));
    }
  }

  @Override
  public void forgetIdle(long nowMs) {
    logs.values().removeIf(log -> {
      synchronized (log) {
        return nowMs - log.lastTs() > IDLE_FORGOTTEN_MS;
      }
    });
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
