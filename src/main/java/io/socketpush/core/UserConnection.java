package io.socketpush.core;

import io.vertx.core.net.SocketAddress;

/**
 * One open connection of a user, as the admin console lists it: the connection's id (the {@code client} presence
 * and the connect proxy see), the endpoint that serves it ({@code channels}, {@code sse-channels}, {@code sockjs},
 * {@code longpoll}…), the TCP peer, and when it opened on the node's clock. Every transport describes its
 * connections this way, so the node lists them without naming a transport.
 */
public record UserConnection(String client, String transport, String remote, long openedAtMs) {
  /** @param remote the TCP peer (a proxy in front of the node shows as itself), or null when it is unknown */
  public static UserConnection of(String client, String transport, SocketAddress remote, long openedAtMs) {
    return new UserConnection(client, transport, remote == null ? null : remote.toString(), openedAtMs);
  }
}
