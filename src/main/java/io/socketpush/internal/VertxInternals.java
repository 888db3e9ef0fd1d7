package io.socketpush.internal;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.spi.cluster.ClusterManager;

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
}
