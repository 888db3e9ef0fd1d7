package io.socketpush.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.EventExecutor;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The load generator's sockets: a few Netty event loops (native epoll where it loads, else NIO), each
 * socket bound to a source address in 127.0.0.2–127.0.0.254 before it connects, so that 19,000
 * sockets do not exhaust the ~28k ephemeral ports of one address.
 */
final class LoadClient implements AutoCloseable {
  private static final int FIRST_HOST = 2;
  private static final int HOSTS = 253;

  /** epoll (default where it loads), io_uring, or nio. */
  final String transport;
  private final Class<? extends Channel> channelClass;
  private final MultiThreadIoEventLoopGroup group;
  private final Map<EventExecutor, Worker> workers = new IdentityHashMap<>();
  private final String host;
  private final int[] ports;
  private final AtomicInteger failed = new AtomicInteger();
  /** One upgrade request per path and port, made once: a caller that connects every second (the soak's churn) reuses them. */
  private final Map<String, ByteBuf[]> upgradeRequests = new java.util.concurrent.ConcurrentHashMap<>();
  private int nextId;

  LoadClient(int threads, String host, int port, String wanted) {
    this(threads, host, new int[] {port}, wanted);
  }

  /** Client sockets spread round-robin over the ports: socket i connects to {@code ports[i % ports.length]}. */
  LoadClient(int threads, String host, int[] ports, String wanted) {
    String t = wanted == null ? (Epoll.isAvailable() ? "epoll" : "nio") : wanted;
    if (t.equals("io_uring") && IoUring.isAvailable()) {
      group = new MultiThreadIoEventLoopGroup(threads, IoUringIoHandler.newFactory());
      channelClass = IoUringSocketChannel.class;
    } else if (t.equals("epoll") && Epoll.isAvailable()) {
      group = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
      channelClass = EpollSocketChannel.class;
    } else {
      t = "nio";
      group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
      channelClass = NioSocketChannel.class;
    }
    this.transport = t;
    this.host = host;
    this.ports = ports.clone();
    group.forEach(e -> workers.put(e, new Worker()));
  }

  /**
   * Opens n sockets on the path, at most {@code inFlight} handshakes at a time, and waits until each
   * is upgraded or has failed (or the timeout). Returns the upgraded ones.
   */
  List<Conn> connect(int n, String path, Conn.Sink sink, int inFlight, long timeoutMs) throws InterruptedException {
    ByteBuf[] requests = upgradeRequests.computeIfAbsent(path, p -> {
      ByteBuf[] r = new ByteBuf[ports.length];
      for (int i = 0; i < ports.length; i++) {
        r[i] = Conn.upgradeRequest(host, ports[i], p);
      }
      return r;
    });
    Semaphore slots = new Semaphore(inFlight);
    List<Conn> upgraded = new ArrayList<>(n);
    AtomicInteger done = new AtomicInteger();
    long deadline = System.currentTimeMillis() + timeoutMs;
    for (int i = 0; i < n; i++) {
      if (!slots.tryAcquire(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS)) {
        break;
      }
      int id = nextId++;
      int port = ports[id % ports.length];
      ByteBuf request = requests[id % ports.length];
      EventLoop loop = group.next();
      Worker worker = workers.get(loop);
      Conn[] self = new Conn[1];
      self[0] = new Conn(id, worker, sink, request, () -> {
        synchronized (upgraded) {
          upgraded.add(self[0]);
        }
        done.incrementAndGet();
        slots.release();
      }, () -> {
        failed.incrementAndGet();
        done.incrementAndGet();
        slots.release();
      });
      self[0].connectStartNanos = System.nanoTime();
      InetSocketAddress local = new InetSocketAddress("127.0.0." + (FIRST_HOST + id % HOSTS), 0);
      new Bootstrap().group(loop)
          .channel(channelClass)
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(self[0]);
            }
          })
          .connect(new InetSocketAddress(host, port), local)
          .addListener(f -> {
            if (!f.isSuccess()) {
              worker.errors++; // on the loop: the connect failed there
              if (worker.firstError == null) {
                worker.firstError = f.cause().toString();
              }
              self[0].connectFailed();
            }
          });
    }
    slots.tryAcquire(inFlight, Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
    synchronized (upgraded) {
      return new ArrayList<>(upgraded);
    }
  }

  int failed() {
    return failed.get();
  }

  /** Runs on every client loop (so their fields are read safely) and merges what they hold. */
  Worker collect(boolean reset) throws InterruptedException, ExecutionException {
    Worker sum = new Worker();
    for (Map.Entry<EventExecutor, Worker> e : workers.entrySet()) {
      Worker w = e.getValue();
      e.getKey().submit(() -> {
        synchronized (sum) {
          sum.add(w);
        }
        if (reset) {
          w.reset();
        }
      }).get();
    }
    return sum;
  }

  /** Resets the windowed counters on every loop. */
  void reset() throws InterruptedException, ExecutionException {
    for (Map.Entry<EventExecutor, Worker> e : workers.entrySet()) {
      e.getKey().submit(e.getValue()::reset).get();
    }
  }

  void closeAll(List<Conn> conns) throws InterruptedException {
    for (Conn c : conns) {
      c.ctx.channel().eventLoop().execute(c::close);
    }
    Thread.sleep(Math.min(5000, 200 + conns.size() / 10));
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
