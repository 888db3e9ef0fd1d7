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
 * A refusal is a 4xx with {@code {"error":{"code":…,"message":…}}}, the code as on the socket; so is a body over
 * the limit (413, 109) and a publication beyond the rate of its address or of the API key (429, 111).
 */
final class ChannelApi {
  static final String REASON_RATE_PER_IP = "publish rate per address";
  /**
   * The header of {@code POST /api/channels/{name}} that carries the publication's idempotency key (its body is the
   * data itself, so the key cannot be a field of it): the name of the IETF draft's header, as Stripe and others use it.
   */
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";
  static final String REASON_RATE_PER_KEY = "publish rate per key";
  /** The one key of {@code channels.apiKey}: its holders share one bucket. */
  private static final String THE_KEY = "api-key";
  private final NodeState node;
  private final ChannelService channels;
  private final Failures failures;
  private final byte[] apiKey;

  ChannelApi(NodeState node, Failures failures) {
    this.node = node;
    this.failures = failures;
    this.channels = node.channels();
    String key = channels.config().apiKey();
    this.apiKey = key.isEmpty() ? null : key.getBytes(StandardCharsets.UTF_8);
  }

  void mount(Router router) {
    int largest = channels.config().rules().stream().mapToInt(ChannelRule::maxMessageBytes).max().orElse(65536);
    router.post("/api/channels/:name").handler(BodyHandler.create(false).setBodyLimit(largest + 1024L)).handler(this::publish);
    router.get("/api/channels/:name/presence").handler(this::presence);
    router.route("/api/channels/*").failureHandler(this::failed);
  }

  /** A failure of the router on these paths (the body handler's 413, a form the decoder would not hold): JSON too. */
  private void failed(RoutingContext ctx) {
    int status = failures.record(ctx);
    fail(ctx, status == 413 ? new ChannelError(ChannelError.TOO_LARGE, "the body is too large")
        : status == 500 ? new ChannelError(ChannelError.INTERNAL, "internal error")
        : new ChannelError(ChannelError.BAD_REQUEST, "bad request"));
  }

  /** A permit of the address's bucket, or of the API key's for its holders; counts a refusal. */
  private boolean withinRate(RoutingContext ctx, boolean keyHolder) {
    boolean allowed = keyHolder ? node.apiPublishesPerKey().tryTake(THE_KEY)
        : node.apiPublishesPerIp().tryTake(ctx.request().remoteAddress().hostAddress());
    if (!allowed) {
      node.stats().httpRefused(keyHolder ? REASON_RATE_PER_KEY : REASON_RATE_PER_IP);
    }
    return allowed;
  }

  private boolean isTheKey(String key) {
    return key != null && apiKey != null && MessageDigest.isEqual(apiKey, key.getBytes(StandardCharsets.UTF_8));
  }

  /** Who is asking: the server side (true), a client with a subject, or an anonymous client (null). */
  private record Caller(boolean server, String subject) {
  }

  private Future<Caller> caller(RoutingContext ctx) {
    String key = ctx.request().getHeader("X-API-Key");
    if (key != null) {
      if (!isTheKey(key)) {
        return Future.failedFuture(new ChannelError(ChannelError.UNAUTHORIZED, "wrong API key"));
      }
      return Future.succeededFuture(new Caller(true, null));
    }
    return node.handshakes().check(RequestHandshake.of(ctx.request()))
        .map(principal -> new Caller(false, principal == null ? null : principal.subject()));
  }

  private void publish(RoutingContext ctx) {
    String channel = ctx.pathParam("name");
    // before anything costs: a wrong key is held to its address's rate, so it cannot be guessed at speed
    if (!withinRate(ctx, isTheKey(ctx.request().getHeader("X-API-Key")))) {
      fail(ctx, new ChannelError(ChannelError.TOO_MANY_REQUESTS, "too many publications: slow down"));
      return;
    }
    String body = ctx.body().asString();
    if (body == null || body.isBlank()) {
      fail(ctx, new ChannelError(ChannelError.BAD_REQUEST, "the body is the publication's data, as JSON"));
      return;
    }
    caller(ctx)
        .compose(caller -> channels.publishJson(channel, body, caller.subject(), caller.server(),
            ctx.request().getHeader(IDEMPOTENCY_KEY)))
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
        ChannelService.checkSubscribe(rule, channel, caller.subject());
      }
      return channels.presence(channel, rule);
    }).onSuccess(ctx::json).onFailure(e -> fail(ctx, e));
  }

  static void fail(RoutingContext ctx, Throwable cause) {
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
