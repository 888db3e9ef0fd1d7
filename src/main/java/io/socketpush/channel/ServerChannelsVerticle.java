package io.socketpush.channel;

import io.socketpush.config.ChannelRule;
import io.socketpush.core.PushStats;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the server side asks of the channels beyond publishing, on the event bus (and through it the REST API):
 * {@link ChannelAddresses#CHANNELS_LIST}, {@link ChannelAddresses#CHANNELS_HISTORY} and
 * {@link ChannelAddresses#CHANNELS_BROADCAST}, and this member's answer to {@link ChannelAddresses#NODE_CHANNELS}.
 * One instance per node.
 */
public final class ServerChannelsVerticle extends VerticleBase {
  static final int MAX_BROADCAST = 1000;
  private static final long ASK_TIMEOUT_MS = 2000;
  private final ChannelService service;
  private final PushStats stats;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  public ServerChannelsVerticle(ChannelService service, PushStats stats) {
    this.service = service;
    this.stats = stats;
  }

  @Override
  public Future<?> start() {
    consumers.add(service.nodes().answer(ChannelAddresses.NODE_CHANNELS, q -> Future.succeededFuture(local(q.getString("pattern", "")))));
    consumers.add(vertx.eventBus().consumer(ChannelAddresses.CHANNELS_LIST, m -> answer(m, list(m.body()))));
    consumers.add(vertx.eventBus().consumer(ChannelAddresses.CHANNELS_HISTORY, m -> answer(m, history(m.body()))));
    consumers.add(vertx.eventBus().consumer(ChannelAddresses.CHANNELS_BROADCAST, m -> answer(m, broadcast(m.body()))));
    return Future.join(consumers.stream().map(MessageConsumer::completion).toList());
  }

  @Override
  public Future<?> stop() {
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList());
  }

  private static void answer(Message<JsonObject> message, Future<JsonObject> answer) {
    answer.onComplete(done -> {
      if (done.succeeded()) {
        message.reply(done.result());
      } else {
        ChannelError error = done.cause() instanceof ChannelError e ? e : new ChannelError(ChannelError.INTERNAL, "internal error");
        message.fail(error.code(), error.getMessage());
      }
    });
  }

  private static boolean matches(String pattern, String channel) {
    return pattern.isEmpty() || (pattern.endsWith("*") ? channel.startsWith(pattern.substring(0, pattern.length() - 1))
        : channel.equals(pattern));
  }

  private JsonObject local(String pattern) {
    JsonObject channels = new JsonObject();
    for (String channel : stats.subscribedChannels()) {
      long count = stats.subscribers(channel);
      if (count > 0 && matches(pattern, channel)) {
        channels.put(channel, count);
      }
    }
    return new JsonObject().put("channels", channels);
  }

  private Future<JsonObject> list(JsonObject body) {
    Object pattern = body == null ? null : body.getValue("pattern");
    if (pattern != null && !(pattern instanceof String p && (p.isEmpty() || p.indexOf('*') < 0 || p.indexOf('*') == p.length() - 1))) {
      return Future.failedFuture(new ChannelError(ChannelError.BAD_REQUEST, "'pattern' is a channel name, or a prefix ending in '*'"));
    }
    JsonObject question = new JsonObject().put("pattern", pattern == null ? "" : pattern);
    return service.nodes().askAll(ChannelAddresses.NODE_CHANNELS, question, ASK_TIMEOUT_MS).map(answers -> {
      Map<String, Long> total = new TreeMap<>();
      for (JsonObject answer : answers) {
        answer.getJsonObject("channels", new JsonObject()).forEach(e -> total.merge(e.getKey(), ((Number) e.getValue()).longValue(), Long::sum));
      }
      JsonArray channels = new JsonArray();
      total.forEach((channel, count) -> channels.add(new JsonObject().put("channel", channel).put("subscribers", count)));
      return new JsonObject().put("channels", channels);
    });
  }

  private Future<JsonObject> history(JsonObject body) {
    String channel;
    ChannelRule rule;
    long since;
    int limit;
    try {
      if (body == null || !(body.getValue("channel") instanceof String c)) {
        throw new ChannelError(ChannelError.BAD_REQUEST, "the body is {\"channel\":…,\"since\"?:…,\"limit\"?:…}");
      }
      channel = c;
      rule = service.rule(channel);
      since = body.getLong("since", 0L);
      limit = body.getInteger("limit", rule.historySize());
      if (since < 0 || limit < 0) {
        throw new ChannelError(ChannelError.BAD_REQUEST, "'since' and 'limit' are 0 or more");
      }
    } catch (ClassCastException e) {
      return Future.failedFuture(new ChannelError(ChannelError.BAD_REQUEST, "'since' and 'limit' are numbers"));
    } catch (ChannelError e) {
      return Future.failedFuture(e);
    }
    return service.history(channel, rule, -1, "", rule.historySize()).map(history -> {
      JsonArray publications = new JsonArray();
      for (ChannelLog.Entry entry : history.missed()) {
        if (entry.seq() > since && publications.size() < limit) {
          publications.add(new JsonObject().put("seq", entry.seq()).put("ts", entry.ts())
              .put("data", io.vertx.core.json.Json.decodeValue(entry.data())));
        }
      }
      return new JsonObject().put("channel", channel).put("epoch", history.epoch()).put("seq", history.top())
          .put("publications", publications);
    });
  }

  private Future<JsonObject> broadcast(JsonObject body) {
    if (body == null || !(body.getValue("channels") instanceof JsonArray channels) || channels.isEmpty()
        || channels.size() > MAX_BROADCAST || !body.containsKey("data")
        || body.getValue("idempotencyKey") != null && !(body.getValue("idempotencyKey") instanceof String)) {
      return Future.failedFuture(new ChannelError(ChannelError.BAD_REQUEST,
          "the body is {\"channels\":[1 to " + MAX_BROADCAST + " names],\"data\":…,\"idempotencyKey\"?:…}"));
    }
    String key = (String) body.getValue("idempotencyKey"); // one key, remembered by each channel's log on its own
    if (key != null && !ChannelService.validIdempotencyKey(key)) {
      return Future.failedFuture(new ChannelError(ChannelError.BAD_REQUEST,
          "an idempotency key is 1 to " + ChannelService.MAX_IDEMPOTENCY_KEY + " of A-Z a-z 0-9 _ - . : @ ="));
    }
    List<Future<JsonObject>> results = new ArrayList<>(channels.size());
    for (Object name : channels) {
      if (!(name instanceof String channel)) {
        results.add(Future.succeededFuture(new JsonObject().put("channel", String.valueOf(name))
            .put("error", new JsonObject().put("code", ChannelError.BAD_REQUEST).put("message", "a channel name is a string"))));
        continue;
      }
      results.add(service.publish(channel, body.getValue("data"), null, true, key)
          .map(appended -> new JsonObject().put("channel", channel).put("seq", appended.seq()))
          .otherwise(e -> {
            ChannelError error = e instanceof ChannelError c ? c : new ChannelError(ChannelError.INTERNAL, "internal error");
            return new JsonObject().put("channel", channel)
                .put("error", new JsonObject().put("code", error.code()).put("message", error.getMessage()));
          }));
    }
    return Future.all(results).map(all -> {
      JsonArray answer = new JsonArray();
      results.forEach(r -> answer.add(r.result()));
      return new JsonObject().put("results", answer);
    });
  }
}
