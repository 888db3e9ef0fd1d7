package io.socketpush.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The floor: the least a JVM server can do for the same three jobs, on bare Netty with no framework,
 * so every socket-push figure can be set beside what the machine allows. {@code /ws/time}: one timer,
 * the tick encoded once as a whole WebSocket frame (header and JSON, in a direct buffer, as socket-push
 * does it), the same bytes written to every channel by the channel's own event loop, past the WebSocket
 * encoder. {@code /ws/echo}: frames go back as they came. {@code /ws/bench}: the websocket-shootout
 * protocol, parsed by string search instead of a JSON parser. No pings, limits, stats or logs.
 *
 * <p>{@code java -cp TEST_CLASSPATH io.socketpush.bench.FloorServer} with HTTP_PORT, TICK_PERIOD_MS,
 * FLOOR_THREADS (default: cores) and FLOOR_TRANSPORT: {@code auto} (default: epoll where it loads, else
 * NIO, as socket-push's {@code http.transport} picks), {@code epoll}, {@code io_uring} or {@code nio}.
 */
public final class FloorServer {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy.MM.dd HH:mm:ss").withZone(ZoneId.systemDefault());

  /** The channels of one event loop, touched only by that loop. */
  private static final class Loop {
    final EventLoop executor;
    final List<Channel> time = new ArrayList<>();
    final List<Channel> bench = new ArrayList<>();

    Loop(EventLoop executor) {
      this.executor = executor;
    }

    /** Writes one reference of the frame to each writable channel; releases the caller's reference after. */
    void writeAndRelease(List<Channel> to, ByteBuf frame) {
      try {
        for (int i = 0, n = to.size(); i < n; i++) {
          Channel ch = to.get(i);
          if (ch.isWritable()) {
            ch.writeAndFlush(frame.retainedDuplicate(), ch.voidPromise());
          }
        }
      } finally {
        frame.release();
      }
    }
  }

  private final Map<EventLoop, Loop> loops = new IdentityHashMap<>();
  private final AtomicInteger benchCount = new AtomicInteger();
  private final long periodMs;
  private long lastTs;

  private FloorServer(EventLoopGroup group, long periodMs) {
    this.periodMs = periodMs;
    group.forEach(e -> loops.put((EventLoop) e, new Loop((EventLoop) e)));
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(env("HTTP_PORT", "8080"));
    long period = Long.parseLong(env("TICK_PERIOD_MS", "1000"));
    int threads = Integer.parseInt(env("FLOOR_THREADS", String.valueOf(Runtime.getRuntime().availableProcessors())));
    String transport = env("FLOOR_TRANSPORT", "auto");
    if (transport.equals("auto")) {
      transport = Epoll.isAvailable() ? "epoll" : "nio";
    }
    IoHandlerFactory io;
    Class<? extends ServerChannel> serverChannel;
    switch (transport) {
      case "epoll" -> {
        Epoll.ensureAvailability();
        io = EpollIoHandler.newFactory();
        serverChannel = EpollServerSocketChannel.class;
      }
      case "io_uring" -> {
        IoUring.ensureAvailability();
        io = IoUringIoHandler.newFactory();
        serverChannel = IoUringServerSocketChannel.class;
      }
      case "nio" -> {
        io = NioIoHandler.newFactory();
        serverChannel = NioServerSocketChannel.class;
      }
      default -> throw new IllegalArgumentException("FLOOR_TRANSPORT is auto, epoll, io_uring or nio, not " + transport);
    }
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, io);
    FloorServer floor = new FloorServer(group, period);
    WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
        .websocketPath("/ws").checkStartsWith(true).handleCloseFrames(true)
        .decoderConfig(WebSocketDecoderConfig.newBuilder().maxFramePayloadLength(65536).build())
        .build();
    Channel server = new ServerBootstrap().group(group)
        .channel(serverChannel)
        .option(ChannelOption.SO_BACKLOG, 4096)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192),
                new WebSocketServerProtocolHandler(ws), floor.new Frames());
          }
        })
        .bind(port).sync().channel();
    floor.scheduleTick(group.next());
    System.out.println("floor listening on " + server.localAddress() + " transport=" + transport
        + " threads=" + threads);
    server.closeFuture().sync();
  }

  private static String env(String key, String def) {
    String v = System.getenv(key);
    return v == null || v.isEmpty() ? def : v;
  }

  /** One timer for the whole server, aligned to the period's wall-clock boundaries like the product's. */
  private void scheduleTick(EventLoop timer) {
    long now = System.currentTimeMillis();
    long next = (now / periodMs + 1) * periodMs;
    timer.schedule(() -> {
      tick();
      scheduleTick(timer);
    }, next - now, TimeUnit.MILLISECONDS);
  }

  private void tick() {
    // the boundary last passed, as socket-push stamps its ticks: latency is counted from it, timer lateness included
    long now = System.currentTimeMillis();
    long ts = Math.max(now - now % periodMs, lastTs + 1);
    lastTs = ts;
    ByteBuf frame = textFrame("{\"time\":\"" + TIME.format(Instant.ofEpochMilli(ts)) + "\",\"ts\":" + ts + "}");
    for (Loop loop : loops.values()) {
      frame.retain();
      loop.executor.execute(() -> loop.writeAndRelease(loop.time, frame));
    }
    frame.release();
  }

  /** A whole final text frame, unmasked as a server's are, in a direct buffer: written as is to every channel. */
  static ByteBuf textFrame(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    ByteBuf frame = ByteBufAllocator.DEFAULT.directBuffer(payload.length + 4);
    frame.writeByte(0x81);
    if (payload.length < 126) {
      frame.writeByte(payload.length);
    } else {
      frame.writeByte(126).writeShort(payload.length); // the floor's messages stay below 64 KiB
    }
    return frame.writeBytes(payload);
  }

  /** Every loop writes the frame to its own /ws/bench channels; the frame is released once all have. */
  private void broadcast(Loop own, ByteBuf frame) {
    for (Loop loop : loops.values()) {
      frame.retain();
      if (loop == own) {
        loop.writeAndRelease(loop.bench, frame);
      } else {
        loop.executor.execute(() -> loop.writeAndRelease(loop.bench, frame));
      }
    }
    frame.release();
  }

  private final class Frames extends SimpleChannelInboundHandler<WebSocketFrame> {
    private String path;
    private Loop loop;

    Frames() {
      super(false);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete hs) {
        path = hs.requestUri();
        loop = loops.get(ctx.channel().eventLoop());
        if (path.equals("/ws/time")) {
          loop.time.add(ctx.channel());
        } else if (path.equals("/ws/bench")) {
          loop.bench.add(ctx.channel());
          benchCount.incrementAndGet();
        } else if (!path.equals("/ws/echo")) {
          ctx.close();
        }
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      if ("/ws/time".equals(path)) {
        loop.time.remove(ctx.channel());
      } else if ("/ws/bench".equals(path) && loop.bench.remove(ctx.channel())) {
        benchCount.decrementAndGet();
      }
      super.channelInactive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
      if ("/ws/echo".equals(path) && (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame)) {
        ctx.write(frame, ctx.voidPromise());
        return;
      }
      try {
        if ("/ws/bench".equals(path) && frame instanceof TextWebSocketFrame text) {
          bench(ctx, text.text());
        }
      } finally {
        frame.release();
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }

    private void bench(ChannelHandlerContext ctx, String text) {
      int p = text.indexOf("\"payload\":");
      int end = text.lastIndexOf('}');
      if (p < 0 || end < p) {
        return;
      }
      String payload = text.substring(p + 10, end);
      if (text.contains("\"type\":\"echo\"")) {
        ctx.write(new TextWebSocketFrame("{\"type\":\"echo\",\"payload\":" + payload + "}"), ctx.voidPromise());
      } else if (text.contains("\"type\":\"broadcast\"")) {
        broadcast(loop, textFrame("{\"type\":\"broadcast\",\"payload\":" + payload + "}"));
        ctx.write(new TextWebSocketFrame("{\"type\":\"broadcastResult\",\"payload\":" + payload
            + ",\"listenerCount\":" + benchCount.get() + "}"), ctx.voidPromise());
      }
    }
  }
}
