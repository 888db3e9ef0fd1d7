package io.socketpush.admin;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * What the console may do about one user across the cluster. The node implements it ({@code server.Users}); the
 * console names only this, so it depends on no more of the node than it mounts.
 */
public interface UserControl {
  /**
   * The user's connections on every member: {@code {"user","connections":[{"member","client","transport","remote",
   * "openedAt","connectedForMs"}],"count":N,"truncated":b}}. Fails with a {@code ChannelError} (107) for a bad user id.
   */
  Future<JsonObject> connections(String user);

  /**
   * Closes the user's connections on every member, with the body's optional {@code code} (4000-4999) and
   * {@code reason}; completes with how many. Fails with a {@code ChannelError} (107) for a bad id or body.
   */
  Future<Integer> disconnect(String user, JsonObject body);
}
