package io.socketpush.transport;

import io.socketpush.internal.SockJsInternals;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.socketpush.channel.ChannelMessages;
import io.socketpush.core.Publication;
import io.socketpush.ws.ChannelEndpoint;
import io.socketpush.wire.WebSocketFrames;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

/**
 * SockJS framing on its WebSocket transport ({@code /sockjs/channels/<server>/<session>/websocket}): the
 * server opens with {@code o} and sends each message as {@code a["<JSON text>"]}; the client sends a JSON
 * array of strings (or one string), each a protocol message.
 */
final class SockJsFraming implements ChannelEndpoint.Framing {
  static final SockJsFraming INSTANCE = new SockJsFraming();

  /** A channel publication as an {@code a[...]} frame's text, encoded once. */
  private static final Function<Publication, ByteBuf> ARRAY = p -> array(p.encoded(ChannelMessages.JSON));
  private static final Function<Publication, ByteBuf> FRAME = p -> WebSocketFrames.text(p.encoded(ARRAY));

  private SockJsFraming() {
  }

  /** One message as the text of SockJS's {@code a} frame: {@code a["..."]}. */
  static ByteBuf array(ByteBuf json) {
    return Unpooled.wrappedBuffer(text(json.toString(StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
  }

  private static String text(String json) {
    return "a" + SockJsInternals.encode(json);
  }

  @Override
  public String greeting() {
    return "o";
  }

  @Override
  public String frame(String json) {
    return text(json);
  }

  @Override
  public Function<Publication, ByteBuf> publications() {
    return FRAME;
  }

  @Override
  public List<String> messages(String text) {
    return SockJsInternals.decode(text);
  }
}
