package io.socketpush.server;

import io.socketpush.channel.ChannelError;
import io.socketpush.cluster.ClusterNodes;
import io.socketpush.security.UserIds;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The connections of a user across the cluster: {@link #disconnect} asks every member to close that user's
 * connections on each of its event loops and transports, and adds up what they closed. One per node.
 */
public final class Users {
  /** The close code when none is given: the first of the application's range. */
  static final short DEFAULT_CODE = 4000;
  private static final long ASK_TIMEOUT_MS = 5000;

  /** Closes a user's connections on one event loop; completes with how many. */
  public interface Closer {
    Future<Integer> close(String user, short code, String reason);
  }

  private final ClusterNodes nodes;
  private final List<Closer> local = new CopyOnWriteArrayList<>();

  Users(ClusterNodes nodes) {
    this.nodes = nodes;
  }

  /** An event loop's closer; the returned action removes it again. */
  Runnable add(Closer closer) {
    local.add(closer);
    return () -> local.remove(closer);
  }

  /** The question every member answers: {@code {"user","code","reason"}}, checked; throws 107 if it cannot be asked. */
  static JsonObject question(String user, JsonObject body) {
    if (!UserIds.valid(user)) {
      throw new ChannelError(ChannelError.BAD_REQUEST, "a user id is 1 to 64 letters, digits or _-.:@=");
    }
    Object code = body == null ? null : body.getValue("code");
    Object reason = body == null ? null : body.getValue("reason");
    if (code != null && !(code instanceof Integer c && c >= 4000 && c <= 4999)) {
      throw new ChannelError(ChannelError.BAD_REQUEST, "'code' is a close code from 4000 to 4999");
    }
    if (reason != null && !(reason instanceof String r && r.length() <= 120)) {
      throw new ChannelError(ChannelError.BAD_REQUEST, "'reason' is a text of at most 120 characters");
    }
    return new JsonObject().put("user", user).put("code", code == null ? DEFAULT_CODE : (Integer) code)
        .put("reason", reason == null ? "disconnected by the server" : (String) reason);
  }

  /** Closes the user's connections on every member; completes with how many were closed. */
  Future<Integer> disconnect(JsonObject question) {
    return nodes.askAll(UserAddresses.NODE_DISCONNECT, question, ASK_TIMEOUT_MS)
        .map(answers -> answers.stream().mapToInt(a -> a.getInteger("count", 0)).sum());
  }

  /** This member's answer: closes the user's connections on each of its event loops. */
  MessageConsumer<JsonObject> answer() {
    return nodes.answer(UserAddresses.NODE_DISCONNECT, question -> {
      String user = question.getString("user");
      short code = question.getInteger("code", (int) DEFAULT_CODE).shortValue();
      String reason = question.getString("reason", "");
      List<Future<Integer>> closing = new ArrayList<>(local.size());
      for (Closer closer : local) {
        closing.add(closer.close(user, code, reason));
      }
      return Future.all(closing).map(all -> new JsonObject()
          .put("count", closing.stream().mapToInt(Future::result).sum()));
    });
  }
}
