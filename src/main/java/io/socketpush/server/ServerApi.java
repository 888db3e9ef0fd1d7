package io.socketpush.server;

import io.socketpush.channel.ChannelAddresses;
import io.socketpush.channel.ChannelError;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The server side's REST API beyond publishing, for the application's back end only: every request carries
 * {@code X-API-Key}, and one without it (or with a wrong one) is a 401 before anything is looked up, so the
 * answer never tells whether a user or a channel exists. Errors are {@code {"error":{"code":…,"message":…}}}.
 *
 * <ul>
 *   <li>{@code POST /api/users/{user}/disconnect}: closes every connection of the user, every member and transport</li>
 *   <li>{@code GET /api/channels?pattern=}, {@code GET /api/channels/{name}/history?since=&limit=},
 *       {@code POST /api/publish}: the REST twins of {@code channels.list}, {@code channels.history} and
 *       {@code channels.broadcast}, asked on the event bus so both answer alike</li>
 * </ul>
 */
final class ServerApi {
  private static final long SMALL_BODY = 4096;
  private static final long BROADCAST_BODY = 1 << 20;
  private final NodeState node;
  private final byte[] apiKey;

  ServerApi(NodeState node) {
    this.node = node;
    String key = node.channels().config().apiKey();
    this.apiKey = key.isEmpty() ? null : key.getBytes(StandardCharsets.UTF_8);
  }

  void mount(Router router) {
    // the key before the body, on a route of its own (vertx-web puts a BodyHandler first on its route): a
    // stranger's body is never read, whatever its size; keyHolder decides at once, before any of it arrives
    router.post("/api/users/:user/disconnect").handler(this::keyHolder);
    router.post("/api/users/:user/disconnect").handler(BodyHandler.create(false).setBodyLimit(SMALL_BODY)).handler(this::disconnect);
    router.get("/api/channels").handler(this::keyHolder).handler(ctx -> ask(ctx, ChannelAddresses.CHANNELS_LIST,
        new JsonObject().put("pattern", ctx.request().getParam("pattern", ""))));
    router.get("/api/channels/:name/history").handler(this::keyHolder).handler(this::history);
    router.post("/api/publish").handler(this::keyHolder);
    router.post("/api/publish").handler(BodyHandler.create(false).setBodyLimit(BROADCAST_BODY))
        .handler(ctx -> {
          JsonObject body;
          try {
            body = ctx.body().asJsonObject();
          } catch (RuntimeException e) {
            body = null;
          }
          ask(ctx, ChannelAddresses.CHANNELS_BROADCAST, body == null ? new JsonObject() : body);
        });
    router.route("/api/publish").failureHandler(ctx -> ChannelApi.fail(ctx, ctx.statusCode() == 413
        ? new ChannelError(ChannelError.TOO_LARGE, "the body is too large") : new ChannelError(ChannelError.BAD_REQUEST, "bad request")));
    router.route("/api/users/*").failureHandler(ctx -> ChannelApi.fail(ctx, ctx.statusCode() == 413
        ? new ChannelError(ChannelError.TOO_LARGE, "the body is too large") : new ChannelError(ChannelError.BAD_REQUEST, "bad request")));
  }

  /** Lets only the key's holders on; a wrong key is held to its address's rate, so it cannot be guessed at speed. */
  private void keyHolder(RoutingContext ctx) {
    String key = ctx.request().getHeader("X-API-Key");
    if (key != null && apiKey != null && MessageDigest.isEqual(apiKey, key.getBytes(StandardCharsets.UTF_8))) {
      ctx.next();
      return;
    }
    if (key != null && !node.apiPublishesPerIp().tryTake(ctx.request().remoteAddress().hostAddress())) {
      node.stats().httpRefused(ChannelApi.REASON_RATE_PER_IP);
      ChannelApi.fail(ctx, new ChannelError(ChannelError.TOO_MANY_REQUESTS, "too many requests: slow down"));
      return;
    }
    ChannelApi.fail(ctx, new ChannelError(ChannelError.UNAUTHORIZED, "the server API needs the API key (X-API-Key)"));
  }

  private void history(RoutingContext ctx) {
    JsonObject question = new JsonObject().put("channel", ctx.pathParam("name"));
    try {
      for (String param : new String[] {"since", "limit"}) {
        String value = ctx.request().getParam(param);
        if (value != null && !value.isEmpty()) {
          question.put(param, Long.parseLong(value));
        }
      }
    } catch (NumberFormatException e) {
      ChannelApi.fail(ctx, new ChannelError(ChannelError.BAD_REQUEST, "'since' and 'limit' are numbers"));
      return;
    }
    ask(ctx, ChannelAddresses.CHANNELS_HISTORY, question);
  }

  /** The REST twin of an event-bus address: the same question, the same answer, its failure code as the HTTP error. */
  private void ask(RoutingContext ctx, String address, JsonObject question) {
    ctx.vertx().eventBus().<JsonObject>request(address, question).onComplete(done -> {
      if (done.succeeded()) {
        ctx.json(done.result().body());
      } else if (done.cause() instanceof ReplyException e && e.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        ChannelApi.fail(ctx, new ChannelError(e.failureCode(), e.getMessage()));
      } else {
        ChannelApi.fail(ctx, new ChannelError(ChannelError.INTERNAL, "internal error"));
      }
    });
  }

  private void disconnect(RoutingContext ctx) {
    JsonObject question;
    try {
      String body = ctx.body().asString();
      question = Users.question(ctx.pathParam("user"), body == null || body.isBlank() ? null : new JsonObject(body));
    } catch (ChannelError e) {
      ChannelApi.fail(ctx, e);
      return;
    } catch (RuntimeException e) {
      ChannelApi.fail(ctx, new ChannelError(ChannelError.BAD_REQUEST, "the body is {\"code\"?:4000-4999,\"reason\"?:…}"));
      return;
    }
    node.users().disconnect(question)
        .onSuccess(count -> ctx.json(new JsonObject().put("user", question.getString("user")).put("disconnected", count)))
        .onFailure(e -> ChannelApi.fail(ctx, e));
  }
}
