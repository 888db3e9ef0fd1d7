package io.socketpush.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WebSocketFramesTest {

  /** Each length encoding (7-bit, 16-bit, 64-bit), read back by Netty's own client-side decoder. */
  @ParameterizedTest
  @ValueSource(ints = {0, 125, 126, 65535, 65536, 200_000})
  void aPreEncodedTextFrameDecodesToItsPayload(int length) {
    String text = "x".repeat(length);
    ByteBuf frame = WebSocketFrames.text(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    EmbeddedChannel client = new EmbeddedChannel(new WebSocket08FrameDecoder(WebSocketDecoderConfig.newBuilder()
        .expectMaskedFrames(false).maxFramePayloadLength(1 << 20).build()));
    assertTrue(client.writeInbound(frame));
    TextWebSocketFrame decoded = client.readInbound();
    assertTrue(decoded.isFinalFragment());
    assertEquals(text, decoded.text());
    decoded.release();
  }
}
