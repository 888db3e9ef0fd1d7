package io.socketpush.server;

import io.socketpush.channel.ChannelError;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * The users' event-bus API of one member: {@link UserAddresses#USERS_DISCONNECT} for other services, and this
 * member's answers to {@link UserAddresses#NODE_DISCONNECT} and {@link UserAddresses#NODE_CONNECTIONS}. One instance
 * per node.
 */
public final class UsersVerticle extends VerticleBase {
  private final Users users;
  private MessageConsumer<JsonObject> disconnect;
  private MessageConsumer<JsonObject> answer;
  private MessageConsumer<JsonObject> connections;

  public UsersVerticle(NodeState node) {
    this.users = node.users();
  }

  @Override
  public Future<?> start() {
    answer = users.answer();
    connections = users.answerConnections();
    disconnect = vertx.eventBus().consumer(UserAddresses.USERS_DISCONNECT, this::disconnect);
    return Future.join(answer.completion(), connections.completion(), disconnect.completion());
  }

  @Override
  public Future<?> stop() {
    return Future.join(answer.unregister(), connections.unregister(), disconnect.unregister());
  }

  private void disconnect(Message<JsonObject> message) {
    JsonObject body = message.body();
    JsonObject question;
    try {
      if (body == null || !(body.getValue("user") instanceof String user)) {
        throw new ChannelError(ChannelError.BAD_REQUEST, "the body is {\"user\":…,\"code\"?:…,\"reason\"?:…}");
      }
      question = Users.question(user, body);
    } catch (ChannelError e) {
      message.fail(e.code(), e.getMessage());
      return;
    }
    users.disconnect(question).onComplete(done -> {
      if (done.succeeded()) {
        message.reply(new JsonObject().put("user", question.getString("user")).put("disconnected", done.result()));
      } else {
        message.fail(ChannelError.INTERNAL, "internal error");
      }
    });
  }
}
