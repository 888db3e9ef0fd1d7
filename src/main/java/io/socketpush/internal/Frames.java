package io.socketpush.internal;

import io.netty.buffer.ByteBuf;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.http.impl.ws.WebSocketFrameInternal;

/** WebSocket frames as their bytes, without the copy that {@link WebSocketFrame#binaryData()} makes. */
public final class Frames {
  private Frames() {
  }

  /** The payload of a received frame, not a copy: read it, or hand it on to a write that consumes it. */
  public static ByteBuf payload(WebSocketFrame frame) {
    return ((WebSocketFrameInternal) frame).getBinaryData();
  }

  /** A frame over these bytes, to write with {@code ServerWebSocket.writeFrame}. */
  public static WebSocketFrame frame(WebSocketFrameType type, ByteBuf payload, boolean isFinal) {
    return new WebSocketFrameImpl(type, payload, isFinal);
  }
}
