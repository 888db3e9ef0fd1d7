package io.socketpush.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.socketpush.core.Publication;

import java.util.function.Function;

/**
 * Whole WebSocket frames as bytes. A server's frames are not masked (RFC 6455 5.1), so a push is the
 * same bytes for every socket: encoded once per publication, header included, and written as is.
 */
public final class WebSocketFrames {
  private WebSocketFrames() {
  }

  /** A publication's data as one final text frame. */
  public static final Function<Publication, ByteBuf> TEXT = p -> text(p.dataJson());

  public static ByteBuf text(ByteBuf payload) {
    int length = payload.readableBytes();
    ByteBuf frame = Unpooled.buffer(10 + length);
    frame.writeByte(0x81); // FIN, text
    if (length < 126) {
      frame.writeByte(length);
    } else if (length <= 0xFFFF) {
      frame.writeByte(126).writeShort(length);
    } else {
      frame.writeByte(127).writeLong(length);
    }
    return frame.writeBytes(payload, payload.readerIndex(), length);
  }

  /** The payload length of a frame made by {@link #text}, read from its header. */
  public static long payloadLength(ByteBuf frame) {
    int first = frame.getByte(frame.readerIndex() + 1) & 0x7F;
    return first < 126 ? first
        : first == 126 ? frame.getUnsignedShort(frame.readerIndex() + 2) : frame.getLong(frame.readerIndex() + 2);
  }
}
