package io.socketpush.server;

/**
 * The users' event-bus addresses. Public API, beside {@code channels.publish}: names and formats only ever grow.
 */
public final class UserAddresses {
  private UserAddresses() {
  }

  /**
   * Close every connection of a user on every member and transport (request/reply: one member takes it and
   * asks all). Body {@code {"user":"42","code":4000,"reason":"…"}} ({@code code}, 4000-4999, and {@code reason}
   * optional); reply {@code {"user":"42","disconnected":N}}; a bad body fails with 107.
   */
  public static final String USERS_DISCONNECT = "users.disconnect";

  /**
   * Per-member question ({@code socket-push.node.disconnect.<nodeId>}): body as {@link #USERS_DISCONNECT}, reply
   * {@code {"count":N}}, the connections of the user this member closed.
   */
  public static final String NODE_DISCONNECT = "socket-push.node.disconnect";

  /**
   * Per-member question ({@code socket-push.node.connections.<nodeId>}): body {@code {"user":"42"}}, reply
   * {@code {"connections":[{"member","client","transport","remote","openedAt","connectedForMs"}],"count":N}}: the
   * user's connections on this member, at most 100 of them, and how many it holds. Asked by the admin console.
   */
  public static final String NODE_CONNECTIONS = "socket-push.node.connections";
}
