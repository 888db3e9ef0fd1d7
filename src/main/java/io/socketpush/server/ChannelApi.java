package io.socketpush.server;

import io.socketpush.channel.ChannelError;
import io.socketpush.channel.ChannelService;
import io.socketpush.config.ChannelRule;
import io.socketpush.security.Refusal;
import io.socketpush.transport.RequestHandshake;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The channels' REST API: {@code POST /api/channels/{name}} publishes its JSON body (202
 * {@code {"channel":…,"seq":N}}), {@code GET /api/channels/{name}/presence} says who is there. A request
 * is the server side when it carries the configured key in {@code X-API-Key}; otherwise it is a
 * client, checked like a socket (origin, and the JWT if it sends one) and held to the channel's rule.
 * A refusal is a 4xx with {@code {"error":{"code":…,"message":…}}}, the code as on the socket.
 */
final class ChannelApi {
  private final NodeState node;
  private final ChannelService channels;
  private final byte[] apiKey;

  ChannelApi(NodeState node) {
    this.node = node;
    this.channels = node.channels();
    String key = channels.config().apiKey();
    this.apiKey = key.isEmpty() ? null : key.getBytes(StandardCharsets.UTF_8);
  }

  void mount(Router router) {
    int largest = channels.config().rules().stream().mapToInt(ChannelRule::maxMessageBytes).max().orElse(65536);
    router.post("/api/channels/:name").handler(BodyHandler.create(false).setBodyLimit(largest + 1024L)).handler(this::publish);
    router.get("/api/channels/:name/presence").handler(this::presence);
  }

  /** Who is asking: the server side (true), a client with a subject, or an anonymous client (null). */
  private record Caller(boolean server, String subject) {
  }

  private Future<Caller> caller(RoutingContext ctx) {
    String key = ctx.request().getHeader("X-API-Key");
    if (key != null) {
      if (apiKey == null || !MessageDigest.isEqual(apiKey, key.getBytes(StandardCharsets.UTF_8))) {
        return Future.failedFuture(new ChannelError(ChannelError.UNAUTHORIZED, "wrong API key"));
      }
      return Future.succeededFuture(new Caller(true, null));
    }
    return node.handshakes().check(RequestHandshake.of(ctx.request()))
        .map(principal -> new Caller(false, principal == null ? null : principal.subject()));
  }

  private void publish(RoutingContext ctx) {
    String channel = ctx.pathParam("name");
    String body = ctx.body().asString();
    if (body == null || body.isBlank()) {
      fail(ctx, new ChannelError(ChannelError.BAD_REQUEST, "the body is the publication's data, as JSON"));
      return;
    }
    caller(ctx)
        .compose(caller -> channels.publishJson(channel, body, caller.subject(), caller.server()))
        .onSuccess(appended -> ctx.response().setStatusCode(202)
            .putHeader("Content-Type", "application/json")
            .end(new JsonObject().put("channel", channel).put("seq", appended.seq()).encode()))
        .onFailure(e -> fail(ctx, e));
  }

  private void presence(RoutingContext ctx) {
    String channel = ctx.pathParam("name");
    caller(ctx).compose(caller -> {
      ChannelRule rule = channels.rule(channel);
      if (!caller.server()) {
        ChannelService.checkSubscribe(rule, caller.subject());
      }
      return channels.presence(channel, rule);
    }).onSuccess(ctx::json).onFailure(e -> fail(ctx, e));
  }

  private static void fail(RoutingContext ctx, Throwable cause) {
    int status;
    JsonObject error;
    if (cause instanceof ChannelError e) {
      status = e.httpStatus();
      error = new JsonObject().put("code", e.code()).put("message", e.getMessage());
    } else if (cause instanceof Refusal r) {
      status = r.status();
      error = new JsonObject().put("code", r.status() == 401 ? ChannelError.UNAUTHORIZED : ChannelError.PERMISSION_DENIED)
          .put("message", r.reason());
    } else {
      status = 500;
      error = new JsonObject().put("code", ChannelError.INTERNAL).put("message", "internal error");
    }
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("error", error).encode());
    }
  }
}
