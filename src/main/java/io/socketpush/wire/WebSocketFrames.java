package io.socketpush.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.socketpush.core.Publication;

import java.nio.ByteBuffer;
import java.util.function.Function;

/**
 * Whole WebSocket frames as bytes. A server's frames are not masked (RFC 6455 5.1), so a push is the
 * same bytes for every socket: encoded once per publication, header included, and written as is.
 *
 * <p>A frame lives in direct memory: Netty's socket channels write only direct buffers and copy a heap
 * one into a fresh direct buffer on every write, which for a tick written to 19,000 sockets is 19,000
 * allocations and copies. The memory is a JDK direct {@link ByteBuffer}, freed by the garbage collector's
 * cleaner once neither the publication nor any duplicate still queued in a channel refers to it: a
 * publication is shared by event loops and kept as the latest tick, so it has no single moment at which
 * a reference count could be released.
 */
public final class WebSocketFrames {
  private WebSocketFrames() {
  }

  /** A publication's data as one final text frame. */
  public static final Function<Publication, ByteBuf> TEXT = p -> text(p.dataJson());

  public static ByteBuf text(ByteBuf payload) {
    int length = payload.readableBytes();
    int header = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
    ByteBuffer frame = ByteBuffer.allocateDirect(header + length);
    frame.put((byte) 0x81); // FIN, text
    if (length < 126) {
      frame.put((byte) length);
    } else if (length <= 0xFFFF) {
      frame.put((byte) 126).putShort((short) length);
    } else {
      frame.put((byte) 127).putLong(length);
    }
    payload.getBytes(payload.readerIndex(), frame);
    return Unpooled.wrappedBuffer(frame.flip());
  }

  /** The payload length of a frame made by {@link #text}, read from its header. */
  public static long payloadLength(ByteBuf frame) {
    int first = frame.getByte(frame.readerIndex() + 1) & 0x7F;
    return first < 126 ? first
        : first == 126 ? frame.getUnsignedShort(frame.readerIndex() + 2) : frame.getLong(frame.readerIndex() + 2);
  }
}
