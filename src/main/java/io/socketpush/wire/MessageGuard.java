package io.socketpush.wire;

import io.socketpush.internal.Frames;
import io.netty.buffer.ByteBuf;
import io.vertx.core.http.WebSocketFrame;

/**
 * What Vert.x does not check in what a client sends: a message's total size across its fragments,
 * and the UTF-8 of text, fragment by fragment. One per socket, used on its event loop.
 */
public final class MessageGuard {
  private final int maxMessageBytes;
  private boolean inMessage;
  private boolean text;
  private long messageBytes;
  private int utf8 = Utf8Validator.COMPLETE;

  public MessageGuard(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  /** Checks a data frame; returns 0 if it may be used, else the close code to answer it with. */
  public short check(WebSocketFrame frame) {
    switch (frame.type()) {
      case TEXT:
      case BINARY:
        if (inMessage) {
          return CloseCodes.PROTOCOL_ERROR;
        }
        inMessage = true;
        text = frame.isText();
        messageBytes = 0;
        utf8 = Utf8Validator.COMPLETE;
        break;
      case CONTINUATION:
        if (!inMessage) {
          return CloseCodes.PROTOCOL_ERROR;
        }
        break;
      default:
        return 0;
    }
    ByteBuf payload = Frames.payload(frame);
    messageBytes += payload.readableBytes();
    if (messageBytes > maxMessageBytes) {
      return CloseCodes.MESSAGE_TOO_BIG;
    }
    if (text) {
      utf8 = Utf8Validator.feed(utf8, payload);
      if (utf8 == Utf8Validator.INVALID || (frame.isFinal() && utf8 != Utf8Validator.COMPLETE)) {
        return CloseCodes.INVALID_PAYLOAD;
      }
    }
    if (frame.isFinal()) {
      inMessage = false;
    }
    return 0;
  }

  /** Whether the last frame checked ended a message. */
  public boolean betweenMessages() {
    return !inMessage;
  }
}
