package io.socketpush.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.transport.Transport;

/** What the node needs of Vert.x that its public API does not give. */
public final class VertxInternals {
  private VertxInternals() {
  }

  /** The cluster manager this Vert.x was built with, or null for a standalone Vert.x. */
  public static ClusterManager clusterManager(Vertx vertx) {
    return ((VertxInternal) vertx).clusterManager();
  }

  /**
   * A Buffer over the same bytes, not a copy: a frame or an event encoded once is written to many
   * responses. Vert.x 5's public {@code Buffer.buffer(…)} copies.
   */
  public static Buffer wrap(ByteBuf bytes) {
    return BufferInternal.buffer(bytes);
  }

  /**
   * The network transport this Vert.x runs on: {@code epoll}, {@code io_uring}, {@code kqueue} or {@code nio}. The
   * public API says only whether it is native; the one it runs is the implementation of the transport it was built with.
   */
  public static String transport(Vertx vertx) {
    io.vertx.core.spi.transport.Transport running = ((VertxInternal) vertx).transport();
    for (Transport known : new Transport[] {Transport.EPOLL, Transport.IO_URING, Transport.KQUEUE, Transport.NIO}) {
      if (known != null && known.implementation() == running) {
        return known.name();
      }
    }
    return running.getClass().getSimpleName();
  }

  /** Where Vert.x 5 puts its own HTTP/1 handler in a connection's pipeline, after the request decoder. */
  private static final String VERTX_HTTP_HANDLER = "handler";

  /**
   * The Netty channel of an HTTP/1 connection as Vert.x 5 makes them (its handler in the pipeline), or null
   * for any other (HTTP/2 over TLS).
   */
  public static Channel http1Channel(HttpConnection connection) {
    return connection instanceof ConnectionBase base && base.channel().pipeline().get(VERTX_HTTP_HANDLER) != null
        ? base.channel() : null;
  }

  /** Puts a handler just before Vert.x's HTTP/1 handler: it then sees decoded requests and every response. */
  public static void addBeforeHttpHandler(Channel channel, String name, ChannelHandler handler) {
    channel.pipeline().addBefore(VERTX_HTTP_HANDLER, name, handler);
  }
}
