package io.socketpush.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
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
 * the tick JSON encoded once, the same bytes written to every channel by the channel's own event
 * loop. {@code /ws/echo}: frames go back as they came. {@code /ws/bench}: the websocket-shootout
 * protocol, parsed by string search instead of a JSON parser. No pings, limits, stats or logs.
 *
 * <p>{@code java -cp TEST_CLASSPATH io.socketpush.bench.FloorServer} with HTTP_PORT, TICK_PERIOD_MS,
 * FLOOR_THREADS (default: cores) and FLOOR_TRANSPORT ({@code nio}, as Vert.x uses by default, or {@code epoll}).
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

    void write(List<Channel> to, ByteBuf shared) {
      for (int i = 0, n = to.size(); i < n; i++) {
        Channel ch = to.get(i);
        if (ch.isWritable()) {
          ch.writeAndFlush(new TextWebSocketFrame(shared.retainedDuplicate()), ch.voidPromise());
        }
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
    boolean epoll = env("FLOOR_TRANSPORT", "nio").equals("epoll");
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads,
        epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    FloorServer floor = new FloorServer(group, period);
    WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
        .websocketPath("/ws").checkStartsWith(true).handleCloseFrames(true)
        .decoderConfig(WebSocketDecoderConfig.newBuilder().maxFramePayloadLength(65536).build())
        .build();
    Channel server = new ServerBootstrap().group(group)
        .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
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
    System.out.println("floor listening on " + server.localAddress() + " transport=" + (epoll ? "epoll" : "nio")
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
    long ts = Math.max(System.currentTimeMillis(), lastTs + 1);
    lastTs = ts;
    String json = "{\"time\":\"" + TIME.format(Instant.ofEpochMilli(ts)) + "\",\"ts\":" + ts + "}";
    ByteBuf shared = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(json.getBytes(StandardCharsets.UTF_8)));
    for (Loop loop : loops.values()) {
      loop.executor.execute(() -> loop.write(loop.time, shared));
    }
  }

  private void broadcast(Loop own, ByteBuf shared) {
    own.write(own.bench, shared);
    for (Loop loop : loops.values()) {
      if (loop != own) {
        loop.executor.execute(() -> loop.write(loop.bench, shared));
      }
    }
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
        byte[] bytes = ("{\"type\":\"broadcast\",\"payload\":" + payload + "}").getBytes(StandardCharsets.UTF_8);
        broadcast(loop, Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(bytes)));
        ctx.write(new TextWebSocketFrame("{\"type\":\"broadcastResult\",\"payload\":" + payload
            + ",\"listenerCount\":" + benchCount.get() + "}"), ctx.voidPromise());
      }
    }
  }
}
