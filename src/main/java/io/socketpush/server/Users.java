package io.socketpush.server;

import io.socketpush.admin.UserControl;
import io.socketpush.channel.ChannelError;
import io.socketpush.cluster.ClusterNodes;
import io.socketpush.core.UserConnection;
import io.socketpush.security.UserIds;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The connections of a user across the cluster: {@link #disconnect} asks every member to close that user's
 * connections on each of its event loops and transports, and adds up what they closed; {@link #connections}
 * asks every member to list them. One per node.
 */
public final class Users implements UserControl {
  /** The close code when none is given: the first of the application's range. */
  static final short DEFAULT_CODE = 4000;
  /** Connections one member lists for a user: the answer stays small whatever one user holds. */
  static final int CONNECTIONS_PER_MEMBER = 100;
  private static final long ASK_TIMEOUT_MS = 5000;

  /** Closes a user's connections on one event loop; completes with how many. */
  public interface Closer {
    Future<Integer> close(String user, short code, String reason);
  }

  /** Lists a user's connections on one event loop, at most {@code limit} of them, and counts them all. */
  interface Lister {
    Future<Listing> list(String user, int limit);
  }

  private record Loop(Closer closer, Lister lister) {
  }

  private final ClusterNodes nodes;
  private final InstantSource clock;
  private final List<Loop> local = new CopyOnWriteArrayList<>();

  Users(ClusterNodes nodes, InstantSource clock) {
    this.nodes = nodes;
    this.clock = clock;
  }

  /** An event loop's closer and lister; the returned action removes them again. */
  Runnable add(Closer closer, Lister lister) {
    Loop loop = new Loop(closer, lister);
    local.add(loop);
    return () -> local.remove(loop);
  }

  /** The question every member answers: {@code {"user","code","reason"}}, checked; throws 107 if it cannot be asked. */
  static JsonObject question(String user, JsonObject body) {
    checkUser(user);
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

  private static void checkUser(String user) {
    if (!UserIds.valid(user)) {
      throw new ChannelError(ChannelError.BAD_REQUEST, "a user id is 1 to 64 letters, digits or _-.:@=");
    }
  }

  /** Closes the user's connections on every member; completes with how many were closed. */
  Future<Integer> disconnect(JsonObject question) {
    return nodes.askAll(UserAddresses.NODE_DISCONNECT, question, ASK_TIMEOUT_MS)
        .map(answers -> answers.stream().mapToInt(a -> a.getInteger("count", 0)).sum());
  }

  @Override
  public Future<Integer> disconnect(String user, JsonObject body) {
    try {
      return disconnect(question(user, body));
    } catch (ChannelError e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * The user's connections on every member that answered: {@code {"user","connections":[…],"count":N,"truncated":b}},
   * each connection tagged with its {@code member}; at most {@link #CONNECTIONS_PER_MEMBER} per member, and
   * {@code truncated} when some member held more. Fails with 107 for a bad user id.
   */
  @Override
  public Future<JsonObject> connections(String user) {
    try {
      checkUser(user);
    } catch (ChannelError e) {
      return Future.failedFuture(e);
    }
    return nodes.askAll(UserAddresses.NODE_CONNECTIONS, new JsonObject().put("user", user), ASK_TIMEOUT_MS).map(answers -> {
      JsonArray connections = new JsonArray();
      int count = 0;
      for (JsonObject answer : answers) {
        answer.getJsonArray("connections").forEach(connections::add);
        count += answer.getInteger("count", 0);
      }
      return new JsonObject().put("user", user).put("connections", connections).put("count", count)
          .put("truncated", count > connections.size());
    });
  }

  /** This member's answer to {@link UserAddresses#NODE_DISCONNECT}: closes the user's connections on each of its event loops. */
  MessageConsumer<JsonObject> answer() {
    return nodes.answer(UserAddresses.NODE_DISCONNECT, question -> {
      String user = question.getString("user");
      short code = question.getInteger("code", (int) DEFAULT_CODE).shortValue();
      String reason = question.getString("reason", "");
      List<Future<Integer>> closing = new ArrayList<>(local.size());
      for (Loop loop : local) {
        closing.add(loop.closer().close(user, code, reason));
      }
      return Future.all(closing).map(all -> new JsonObject()
          .put("count", closing.stream().mapToInt(Future::result).sum()));
    });
  }

  /** This member's answer to {@link UserAddresses#NODE_CONNECTIONS}: lists the user's connections of each event loop. */
  MessageConsumer<JsonObject> answerConnections() {
    return nodes.answer(UserAddresses.NODE_CONNECTIONS, question -> {
      String user = question.getString("user");
      List<Future<Listing>> listing = new ArrayList<>(local.size());
      for (Loop loop : local) {
        listing.add(loop.lister().list(user, CONNECTIONS_PER_MEMBER));
      }
      return Future.all(listing).map(all -> {
        long now = clock.millis();
        String member = nodes.localId();
        JsonArray connections = new JsonArray();
        int count = 0;
        for (Future<Listing> loop : listing) {
          count += loop.result().count();
          for (UserConnection c : loop.result().first()) {
            if (connections.size() < CONNECTIONS_PER_MEMBER) {
              connections.add(new JsonObject().put("member", member).put("client", c.client()).put("transport", c.transport())
                  .put("remote", c.remote()).put("openedAt", c.openedAtMs()).put("connectedForMs", now - c.openedAtMs()));
            }
          }
        }
        return new JsonObject().put("connections", connections).put("count", count);
      });
    });
  }

  /** What one event loop found: the first {@code limit} connections it was handed, and how many it was handed. */
  static final class Listing implements Consumer<UserConnection> {
    private final int limit;
    private final List<UserConnection> first = new ArrayList<>();
    private int count;

    Listing(int limit) {
      this.limit = limit;
    }

    @Override
    public void accept(UserConnection connection) {
      if (first.size() < limit) {
        first.add(connection);
      }
      count++;
    }

    List<UserConnection> first() {
      return first;
    }

    int count() {
      return count;
    }
  }
}
