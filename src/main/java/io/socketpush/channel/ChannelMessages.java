package io.socketpush.channel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.socketpush.core.Publication;
import io.socketpush.wire.WebSocketFrames;
import io.vertx.core.json.Json;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * What a channel subscriber receives, the same JSON on every transport: a publication
 * {@code {"channel":"chat:lobby","seq":42,"data":…}}, or a presence event
 * {@code {"channel":"chat:lobby","join":{"client":…,"name":…}}} ({@code "leave"} likewise), or, for the
 * joins and leaves over {@code channels.presenceEventsPerSecond}, a summary once a second
 * {@code {"channel":"chat:lobby","presence":{"joins":12,"leaves":9}}}.
 * Encoded once per publication; the data's JSON is copied in as it is, not parsed again.
 */
public final class ChannelMessages {
  private ChannelMessages() {
  }

  /** The message's JSON text. */
  public static final Function<Publication, ByteBuf> JSON = ChannelMessages::encode;

  /** The message as a whole WebSocket text frame. */
  public static final Function<Publication, ByteBuf> WEBSOCKET = p -> WebSocketFrames.text(p.encoded(JSON));

  private static ByteBuf encode(Publication p) {
    String head = switch (p.kind()) {
      case PUBLICATION -> "{\"channel\":" + Json.encode(p.channel()) + ",\"seq\":" + p.seq() + ",\"data\":";
      case JOIN -> "{\"channel\":" + Json.encode(p.channel()) + ",\"join\":";
      case LEAVE -> "{\"channel\":" + Json.encode(p.channel()) + ",\"leave\":";
      case PRESENCE -> "{\"channel\":" + Json.encode(p.channel()) + ",\"presence\":";
    };
    ByteBuf data = p.dataJson();
    return Unpooled.buffer(head.length() + data.readableBytes() + 1)
        .writeBytes(head.getBytes(StandardCharsets.UTF_8))
        .writeBytes(data, data.readerIndex(), data.readableBytes())
        .writeByte('}');
  }
}
