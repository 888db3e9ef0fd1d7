package io.socketpush.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Channels: the rules by name pattern (the first that matches wins; a name no rule matches does not
 * exist) and the limits of one connection.
 *
 * @param maxPerConnection   channels one connection may follow: each costs memory on the node and a
 *                           cluster round trip to join (error 106 beyond)
 * @param publishesPerSecond publications one connection may make per second, burst of one second's worth:
 *                           one client cannot flood a room (error 111 beyond, close 1008 if it keeps on)
 * @param requestsPerSecond  messages one channel connection ({@code /ws}, {@code /sockjs/channels}) may send per second, of any kind: a loop of
 *                           subscribe and unsubscribe cannot keep an event loop and the cluster busy (close 1008 beyond)
 * @param apiKey             the key of {@code POST /api/channels/{name}} for server-side publishers; empty: only JWTs
 * @param maxChannels        channels (logs) one node holds: every name published or subscribed to costs memory until it
 *                           is forgotten, so a flood of distinct names cannot grow the heap without end (error 113 beyond,
 *                           once no channel without subscribers is left to evict)
 * @param idleTimeoutMs      a channel with no subscriber and no unexpired history is forgotten after this long unused:
 *                           its memory is freed, and its numbering restarts with a new epoch if it is used again
 * @param presenceEventsPerSecond join and leave events of one channel passed to its subscribers per second (per event
 *                           loop); beyond it they are counted into one summary a second, so churn in a big room
 *                           cannot multiply into writes to every member
 * @param batchMs            in a cluster, how long publications bound for one other member are gathered before they
 *                           leave as one message: at thousands a second, one message then carries tens of them instead
 *                           of one, and every message costs a wake-up on both sides (0: the end of the event loop's pass)
 * @param idempotencyWindowMs how long a channel's log remembers the idempotency keys and ids of its publications, so that a
 *                           repeat (a client publishing again after error 100, Hazelcast running an append again) is
 *                           answered with the first position instead of being published twice
 */
public record ChannelConfig(List<ChannelRule> rules, int maxPerConnection, int publishesPerSecond,
                            int requestsPerSecond, String apiKey, int maxChannels, long idleTimeoutMs,
                            int presenceEventsPerSecond, int batchMs, long idempotencyWindowMs) {

  /** The rule of a channel, or null if the name is malformed or no rule matches. */
  public ChannelRule rule(String channel) {
    if (!validName(channel)) {
      return null;
    }
    for (ChannelRule rule : rules) {
      if (rule.matches(channel)) {
        return rule;
      }
    }
    return null;
  }

  /** Letters, digits and {@code _ - . : @ =}, 1 to 128 of them (checked on every publication: no regex). */
  public static boolean validName(String channel) {
    if (channel == null || channel.isEmpty() || channel.length() > 128) {
      return false;
    }
    for (int i = 0; i < channel.length(); i++) {
      char c = channel.charAt(i);
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || c == '_' || c == '-' || c == '.' || c == ':' || c == '@' || c == '=';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** The metric label of a channel: its rule's pattern, so a million chat rooms make one time series. */
  public String label(String channel) {
    ChannelRule rule = rule(channel);
    return rule == null ? channel : rule.pattern();
  }

  /** The default rules, as in {@code conf/config.json}. */
  static String defaultRules() {
    return new JsonArray()
        .add(new JsonObject().put("pattern", "time").put("subscribe", "anyone").put("publish", "nobody")
            .put("historySize", 0).put("presence", false))
        .add(new JsonObject().put("pattern", "chat:*").put("subscribe", "anyone").put("publish", "anyone")
            .put("maxMessageBytes", 4096).put("historySize", 100).put("historyTtlMs", 300000).put("presence", true))
        .add(new JsonObject().put("pattern", "comments:*").put("subscribe", "anyone").put("publish", "anyone")
            .put("maxMessageBytes", 1024).put("historySize", 100).put("historyTtlMs", 60000).put("presence", false))
        .add(new JsonObject().put("pattern", "news:*").put("subscribe", "anyone").put("publish", "server")
            .put("maxMessageBytes", 65536).put("historySize", 100).put("historyTtlMs", 3600000).put("presence", false))
        .add(new JsonObject().put("pattern", "user:*").put("subscribe", "authenticated").put("publish", "server")
            .put("personal", true).put("maxMessageBytes", 65536).put("historySize", 100).put("historyTtlMs", 300000)
            .put("presence", false))
        .encode();
  }

  static List<ChannelRule> parseRules(String raw) {
    JsonArray array;
    try {
      array = new JsonArray(raw);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a JSON array of rules");
    }
    List<ChannelRule> rules = new ArrayList<>();
    for (Object item : array) {
      if (!(item instanceof JsonObject)) {
        throw new IllegalArgumentException("every rule is a JSON object");
      }
      ChannelRule rule = ChannelRule.fromJson((JsonObject) item);
      if (rule.matches("time") && rule.publish() != ChannelRule.Who.NOBODY) {
        throw new IllegalArgumentException("rule '" + rule.pattern() + "': the time channel is read-only (publish must be nobody)");
      }
      rules.add(rule);
    }
    return List.copyOf(rules);
  }
}
