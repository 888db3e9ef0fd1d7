package io.socketpush.server;

import io.socketpush.channel.ChannelError;
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
 * </ul>
 */
final class ServerApi {
  private static final long SMALL_BODY = 4096;
  private final NodeState node;
  private final byte[] apiKey;

  ServerApi(NodeState node) {
    this.node = node;
    String key = node.channels().config().apiKey();
    this.apiKey = key.isEmpty() ? null : key.getBytes(StandardCharsets.UTF_8);
  }

  void mount(Router router) {
    router.post("/api/users/:user/disconnect").handler(BodyHandler.create(false).setBodyLimit(SMALL_BODY))
        .handler(this::keyHolder).handler(this::disconnect);
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
