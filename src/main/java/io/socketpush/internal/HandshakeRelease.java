package io.socketpush.internal;

import io.netty.channel.ChannelHandler;
import io.vertx.core.MultiMap;
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
 * query, addresses) was copied into the socket or comes from the connection. Its headers are the request's
 * own map: {@link #dropHeaders} lets them go too, once the endpoint has opened (a channel connection copies
 * what the application's proxy needs). If a field is not there (another Vert.x version), nothing is cleared
 * and one warning says so.
 */
public final class HandshakeRelease {
  private static final Logger LOG = LoggerFactory.getLogger(HandshakeRelease.class);
  private static final String FACTORY_FIELD = "connectionFactory";
  private static final String SOCKET_CLASS = "io.vertx.core.http.impl.WebSocketImplBase";
  private static final String HEADERS_FIELD = "headers";

  private final Field factory;
  private final Field headers;
  /** What every released socket's {@code headers()} answers: nothing (never written to). */
  private final MultiMap none = MultiMap.caseInsensitiveMultiMap();

  private HandshakeRelease(Field factory, Field headers) {
    this.factory = factory;
    this.headers = headers;
  }

  /** The release, or null (logged) if this Vert.x does not have the handler's field; without the headers' field it only clears the first. */
  public static HandshakeRelease create() {
    Field factory;
    try {
      factory = VertxHandler.class.getDeclaredField(FACTORY_FIELD);
      factory.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("WebSockets keep their upgrade request reachable (about 1.6 KB each): {}", e.toString());
      return null;
    }
    Field headers = null;
    try {
      headers = Class.forName(SOCKET_CLASS).getDeclaredField(HEADERS_FIELD);
      headers.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("WebSockets keep their upgrade request's headers (about 0.8 KB each): {}", e.toString());
    }
    return new HandshakeRelease(factory, headers);
  }

  /**
   * Drops the socket's upgrade request headers: its {@code headers()} is the request's own map, kept for the
   * socket's life. Call it once whatever reads them at open has copied what it needs; afterwards
   * {@code headers()} is empty. Returns false (and changes nothing) if it cannot.
   */
  public boolean dropHeaders(ServerWebSocket ws) {
    if (headers == null || !headers.getDeclaringClass().isInstance(ws)) {
      return false;
    }
    try {
      headers.set(ws, none);
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
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
