package io.socketpush.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.WriteBufferWaterMark;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;

/**
 * An accepted WebSocket as the connection under it: what the hot path and the socket bounds need and Vert.x's
 * public API does not give. Used only on the socket's own event loop, like the socket itself.
 */
public final class RawSocket {
  private final ChannelHandlerContext context;
  private final Channel channel;

  private RawSocket(ChannelHandlerContext context) {
    this.context = context;
    this.channel = context.channel();
  }

  public static RawSocket of(ServerWebSocket ws) {
    return new RawSocket(((WebSocketInternal) ws).channelHandlerContext());
  }

  /** The socket turns unwritable above {@code high} queued bytes and writable again below {@code low}. */
  public void waterMarks(int low, int high) {
    channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(low, high));
  }

  public boolean writable() {
    return channel.isWritable();
  }

  /**
   * Writes a whole WebSocket frame, already encoded and shared by many sockets (pass a duplicate), with no
   * promise and no queue of Vert.x's: in order with Vert.x's own writes, which happen on this event loop too.
   */
  public void writeFrame(ByteBuf frame) {
    channel.writeAndFlush(frame, channel.voidPromise());
  }

  /** Bytes written to the socket and not yet taken by the kernel, flushed or not, as Netty counts them. */
  public long queuedBytes() {
    ChannelOutboundBuffer queued = channel.unsafe().outboundBuffer();
    return queued == null ? 0 : queued.totalPendingWriteBytes();
  }

  /** Hands what is written so far to the kernel (Vert.x flushes only at the end of a read). */
  public void flush() {
    context.flush();
  }

  /** Stops reading from the peer: what it still sends stays in its own socket. */
  public void stopReading() {
    channel.config().setAutoRead(false);
  }

  /**
   * Closes the connection at once, past Vert.x's handler (which would wait for the close frame to be flushed,
   * and it never will be for a peer that does not read); with {@code reset}, with a TCP reset, dropping what is
   * queued.
   */
  public void drop(boolean reset) {
    if (reset) {
      channel.config().setOption(ChannelOption.SO_LINGER, 0);
    }
    context.close();
  }
}
