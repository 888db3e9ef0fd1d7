package io.socketpush.wire;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.socketpush.core.Publication;
import io.vertx.core.json.JsonObject;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

  /**
   * A publication's frame is direct memory shared by its duplicates, so Netty's socket channel writes it as it is:
   * no buffer allocated per write, where a heap frame costs one allocation and one copy per socket. Checked on a
   * real loopback connection for each transport the node runs on (io_uring where the kernel allows it).
   */
  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll", "io_uring"})
  void aPublicationsFrameGoesToEverySocketWithoutACopy(String transport) throws Exception {
    assumeTrue(!transport.equals("epoll") || Epoll.isAvailable(), "epoll does not load here");
    assumeTrue(!transport.equals("io_uring") || IoUring.isAvailable(), "io_uring does not load here");
    Publication tick = new Publication("time", new JsonObject().put("time", "2026.01.01 00:00:00").put("ts", 1L), 1L, 1L);
    ByteBuf frame = tick.encoded(WebSocketFrames.TEXT);
    assertTrue(frame.isDirect() && frame.hasMemoryAddress(), "direct, with an address the kernel can read");
    assertEquals(frame.memoryAddress(), frame.duplicate().memoryAddress(), "a duplicate shares the bytes");
    int writes = 200;
    assertEquals(0, allocationsToWrite(transport, frame, writes), "no buffer per write");
    ByteBuf heap = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer(frame.duplicate()));
    assertTrue(allocationsToWrite(transport, heap, writes) >= writes, "a heap frame is copied on every write: the check sees copies");
  }

  /** Writes duplicates of the frame from a server channel to a client; returns the direct buffers the server allocated. */
  private static long allocationsToWrite(String transport, ByteBuf frame, int writes) throws Exception {
    LongAdder allocations = new LongAdder();
    PooledByteBufAllocator counting = new PooledByteBufAllocator(true) {
      @Override
      protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        allocations.increment();
        return super.newDirectBuffer(initialCapacity, maxCapacity);
      }
    };
    IoHandlerFactory io = switch (transport) {
      case "epoll" -> EpollIoHandler.newFactory();
      case "io_uring" -> IoUringIoHandler.newFactory();
      default -> NioIoHandler.newFactory();
    };
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, io);
    try {
      CompletableFuture<Channel> accepted = new CompletableFuture<>();
      Channel server = new ServerBootstrap().group(group)
          .channel(transport.equals("epoll") ? EpollServerSocketChannel.class
              : transport.equals("io_uring") ? IoUringServerSocketChannel.class : NioServerSocketChannel.class)
          .childOption(ChannelOption.ALLOCATOR, counting)
          .childHandler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
              accepted.complete(ch);
            }
          })
          .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
      long expected = (long) writes * frame.readableBytes();
      CompletableFuture<Void> received = new CompletableFuture<>();
      LongAdder bytes = new LongAdder();
      Channel client = new Bootstrap().group(group)
          .channel(transport.equals("epoll") ? EpollSocketChannel.class
              : transport.equals("io_uring") ? IoUringSocketChannel.class : NioSocketChannel.class)
          .handler(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
              bytes.add(((ByteBuf) msg).readableBytes());
              ((ByteBuf) msg).release();
              if (bytes.sum() >= expected) {
                received.complete(null);
              }
            }
          })
          .connect(server.localAddress()).sync().channel();
      Channel child = accepted.get(10, TimeUnit.SECONDS);
      long counted = child.eventLoop().submit(() -> {
        long before = allocations.sum();
        for (int i = 0; i < writes; i++) {
          child.write(frame.duplicate(), child.voidPromise());
        }
        child.flush();
        return allocations.sum() - before;
      }).get(10, TimeUnit.SECONDS);
      received.get(10, TimeUnit.SECONDS);
      client.close().sync();
      server.close().sync();
      return counted;
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }
}
