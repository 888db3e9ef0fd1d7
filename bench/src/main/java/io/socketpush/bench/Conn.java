package io.socketpush.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.nio.charset.StandardCharsets;

/**
 * One client WebSocket, without a WebSocket library: the upgrade is a fixed request, and server
 * frames (never masked) are cut out of each read in place, with one clock read per read, not per
 * frame. What a frame means is the mode's business ({@link Sink}).
 */
final class Conn extends ChannelInboundHandlerAdapter {
  /** What a mode does with the frames of a connection. Called on the connection's event loop. */
  interface Sink {
    default void upgraded(Conn c) {
    }

    /** A whole frame: opcode, and payload at buf[from, from + len). {@code nowMicros}: wall clock of this read. */
    void frame(Conn c, int opcode, ByteBuf buf, int from, int len, long nowMicros);
  }

  final int id;
  final Worker worker;
  private final Sink sink;
  private final ByteBuf upgradeRequest;
  private final Runnable onUpgraded;
  private final Runnable onFailed;
  ChannelHandlerContext ctx;
  private boolean upgraded;
  private boolean settled;
  private boolean closing;
  private ByteBuf pending;
  private boolean flushNeeded;
  /** Mode state: last ts seen (fanout), send time in nanos (echo, broadcast sender). */
  long last;
  long sentAtNanos;
  long connectStartNanos;

  Conn(int id, Worker worker, Sink sink, ByteBuf upgradeRequest, Runnable onUpgraded, Runnable onFailed) {
    this.id = id;
    this.worker = worker;
    this.sink = sink;
    this.upgradeRequest = upgradeRequest;
    this.onUpgraded = onUpgraded;
    this.onFailed = onFailed;
  }

  static ByteBuf upgradeRequest(String host, int port, String path) {
    String req = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    return Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(req.getBytes(StandardCharsets.US_ASCII)));
  }

  /** A client frame (FIN, masked with a fixed key: the server must unmask, so it pays that cost). */
  static ByteBuf maskedFrame(int opcode, byte[] payload) {
    byte[] mask = {0x37, (byte) 0xfa, 0x21, 0x3d};
    ByteBuf f = Unpooled.directBuffer(payload.length + 14);
    f.writeByte(0x80 | opcode);
    if (payload.length < 126) {
      f.writeByte(0x80 | payload.length);
    } else {
      f.writeByte(0x80 | 126).writeShort(payload.length);
    }
    f.writeBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      f.writeByte(payload[i] ^ mask[i & 3]);
    }
    return f;
  }

  /** Writes; flushed once at the end of the current read (or now, off a read). */
  void send(ByteBuf frame, boolean inRead) {
    ctx.write(frame, ctx.voidPromise());
    if (inRead) {
      flushNeeded = true;
    } else {
      ctx.flush();
    }
  }

  /** The connect or the upgrade failed: counted once. */
  void connectFailed() {
    if (!settled) {
      settled = true;
      onFailed.run();
    }
  }

  void close() {
    closing = true;
    ctx.close();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    ctx.writeAndFlush(upgradeRequest.duplicate(), ctx.voidPromise());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf in = (ByteBuf) msg;
    if (pending != null) {
      pending.writeBytes(in);
      in.release();
      in = pending;
      pending = null;
    }
    try {
      if (!upgraded && !readUpgrade(in)) {
        return;
      }
      frames(in, Clock.nowMicros());
    } finally {
      if (in.isReadable() && !closing) {
        pending = ctx.alloc().buffer(Math.max(256, in.readableBytes() * 2));
        pending.writeBytes(in);
      }
      in.release();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (flushNeeded) {
      flushNeeded = false;
      ctx.flush();
    }
  }

  private boolean readUpgrade(ByteBuf in) {
    int end = -1;
    for (int i = in.readerIndex(), n = in.writerIndex() - 3; i < n; i++) {
      if (in.getByte(i) == '\r' && in.getByte(i + 1) == '\n' && in.getByte(i + 2) == '\r' && in.getByte(i + 3) == '\n') {
        end = i + 4;
        break;
      }
    }
    if (end < 0) {
      return false;
    }
    String status = in.toString(in.readerIndex(), Math.min(12, end - in.readerIndex()), StandardCharsets.US_ASCII);
    in.readerIndex(end);
    if (!status.startsWith("HTTP/1.1 101")) {
      worker.errors++;
      closing = true;
      ctx.close();
      connectFailed();
      return false;
    }
    upgraded = true;
    worker.connectMicros.recordValue(Math.max(1, (System.nanoTime() - connectStartNanos) / 1000));
    sink.upgraded(this);
    settled = true;
    onUpgraded.run();
    return true;
  }

  private void frames(ByteBuf in, long nowMicros) {
    while (true) {
      int i = in.readerIndex();
      int r = in.writerIndex() - i;
      if (r < 2) {
        return;
      }
      int b0 = in.getByte(i) & 0xff;
      long len = in.getByte(i + 1) & 0x7f;
      int header = 2;
      if (len == 126) {
        if (r < 4) {
          return;
        }
        len = in.getUnsignedShort(i + 2);
        header = 4;
      } else if (len == 127) {
        if (r < 10) {
          return;
        }
        len = in.getLong(i + 2);
        header = 10;
      }
      if (r < header + len) {
        return;
      }
      int opcode = b0 & 0x0f;
      if (opcode == 9) {
        worker.pings++;
        byte[] payload = new byte[(int) len];
        in.getBytes(i + header, payload);
        send(maskedFrame(0xA, payload), true);
      } else if (opcode == 8) {
        if (!closing) {
          worker.closedByServer++;
        }
        closing = true;
        ctx.close();
        in.readerIndex(in.writerIndex());
        return;
      } else {
        sink.frame(this, opcode, in, i + header, (int) len, nowMicros);
      }
      in.readerIndex(i + header + (int) len);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (pending != null) {
      pending.release();
      pending = null;
    }
    if (!closing) {
      worker.disconnects++;
      connectFailed();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    worker.errors++;
    if (worker.firstError == null) {
      worker.firstError = cause.toString();
    }
    ctx.close();
  }
}
