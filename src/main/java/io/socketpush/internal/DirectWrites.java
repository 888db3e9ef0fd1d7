package io.socketpush.internal;

import io.netty.channel.ChannelHandler;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.net.impl.VertxConnection;
import io.vertx.core.net.impl.VertxHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;

/**
 * Gives an accepted WebSocket's connection the outbound path that {@code HttpServerOptions.setStrictThreadMode}
 * gives the HTTP connection, which Vert.x 5.0.7 does not pass on to the WebSocket connection it upgrades to.
 *
 * <p>Without it every WebSocket keeps an {@code OutboundMessageQueue} over a jctools MPSC queue whose first
 * chunk, 1,025 slots allocated up front (Netty's fixed {@code MPSC_CHUNK_SIZE}), is about 4.1 KB of heap per
 * socket for a queue that never holds anything here: every write to a socket is made on its own event loop
 * (pushes go straight to the channel, replies and control frames from its handlers). The strict mode's
 * queue writes each message at once and reports back-pressure from the channel's writability, as the HTTP
 * connection already does.
 *
 * <p>Vert.x has no option for it, so the connection's {@code outboundMessageQueue} is replaced by reflection,
 * right after the upgrade, before anything is written. If the field or the class is not there (another
 * Vert.x version), nothing is replaced and one warning says so: sockets work as before, with the queue.
 */
public final class DirectWrites {
  private static final Logger LOG = LoggerFactory.getLogger(DirectWrites.class);
  private static final String QUEUE_FIELD = "outboundMessageQueue";
  private static final String DIRECT_QUEUE = VertxConnection.class.getName() + "$DirectOutboundMessageQueue";

  private final Field queue;
  private final Constructor<?> direct;

  private DirectWrites(Field queue, Constructor<?> direct) {
    this.queue = queue;
    this.direct = direct;
  }

  /** The replacement, or null (logged) if this Vert.x does not have what it replaces. */
  public static DirectWrites create() {
    try {
      Field queue = VertxConnection.class.getDeclaredField(QUEUE_FIELD);
      Constructor<?> direct = Class.forName(DIRECT_QUEUE).getDeclaredConstructor(VertxConnection.class);
      queue.setAccessible(true);
      direct.setAccessible(true);
      return new DirectWrites(queue, direct);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("WebSockets keep Vert.x's outbound queue (about 4 KB each): {}", e.toString());
      return null;
    }
  }

  /** Replaces the socket's connection's outbound queue; returns false (and changes nothing) if it cannot. */
  public boolean apply(ServerWebSocket ws) {
    ChannelHandler handler = ((WebSocketInternal) ws).channelHandlerContext().handler();
    if (!(handler instanceof VertxHandler<?> vertxHandler) || vertxHandler.getConnection() == null) {
      return false;
    }
    VertxConnection conn = vertxHandler.getConnection();
    try {
      queue.set(conn, direct.newInstance(conn));
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
