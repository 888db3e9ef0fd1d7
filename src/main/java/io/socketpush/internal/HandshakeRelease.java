package io.socketpush.internal;

import io.netty.channel.ChannelHandler;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.net.impl.VertxHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;

/**
 * Lets an accepted WebSocket's upgrade request go. Vert.x 5.0.7 makes the WebSocket connection's Netty
 * handler with a factory that captures the handshake, and the handler keeps that factory for the life of
 * the channel although it only calls it once, when the handler is added: so each socket keeps its upgrade
 * request reachable, with its response, promises, Netty request and handshaker (a heap histogram at 19,000
 * sockets counts about 1.4 KB of them per socket, docs/performance.md "Where the memory goes").
 *
 * <p>Vert.x has no option for it, so the handler's {@code connectionFactory} is cleared by reflection once the
 * socket is accepted (the handler has been added by then). What the socket itself reads later (its URI, path,
 * query, headers, addresses) was copied into the socket or comes from the connection. If the field is not
 * there (another Vert.x version), nothing is cleared and one warning says so.
 */
public final class HandshakeRelease {
  private static final Logger LOG = LoggerFactory.getLogger(HandshakeRelease.class);
  private static final String FACTORY_FIELD = "connectionFactory";

  private final Field factory;

  private HandshakeRelease(Field factory) {
    this.factory = factory;
  }

  /** The release, or null (logged) if this Vert.x does not have the field. */
  public static HandshakeRelease create() {
    try {
      Field factory = VertxHandler.class.getDeclaredField(FACTORY_FIELD);
      factory.setAccessible(true);
      return new HandshakeRelease(factory);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("WebSockets keep their upgrade request reachable (about 1 KB each): {}", e.toString());
      return null;
    }
  }

  /** Drops the socket's handler's hold on its handshake; returns false (and changes nothing) if it cannot. */
  public boolean apply(ServerWebSocket ws) {
    ChannelHandler handler = ((WebSocketInternal) ws).channelHandlerContext().handler();
    if (!(handler instanceof VertxHandler<?> vertxHandler) || vertxHandler.getConnection() == null) {
      return false;
    }
    try {
      factory.set(vertxHandler, null);
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
