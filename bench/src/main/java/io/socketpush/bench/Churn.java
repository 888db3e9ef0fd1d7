package io.socketpush.bench;

import io.netty.buffer.ByteBuf;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak's churn: every second {@code perSecond} new sockets, one second on {@code /ws/time} (ticking),
 * the next on {@code /ws} joining a random chat room (so its members see joins and leaves); each is closed
 * after 0.5 to 1.5 × {@code lifeMs}, every other one with a close frame, the rest by dropping the TCP
 * connection. At most {@code perSecond × (1.5 × lifeMs + 1 s)} are open at once ({@link #reserve}).
 */
final class Churn implements AutoCloseable {
  private static final ByteBuf CLOSE_1000 = io.netty.buffer.Unpooled.unreleasableBuffer(
      Conn.maskedFrame(0x8, new byte[] {0x03, (byte) 0xe8}));

  private final LoadClient client;
  private final int perSecond;
  private final long lifeMs;
  private final String[] rooms;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "churn");
    t.setDaemon(true);
    return t;
  });
  private final Sinks.Fanout ticking = new Sinks.Fanout(1000);
  private final Conn.Sink joining;
  private final AtomicLong connected = new AtomicLong();
  private final AtomicLong closedBySoak = new AtomicLong();
  private long seconds;

  Churn(LoadClient client, int perSecond, long lifeMs, String[] rooms) {
    this.client = client;
    this.perSecond = perSecond;
    this.lifeMs = lifeMs;
    this.rooms = rooms;
    this.joining = new Conn.Sink() {
      @Override
      public void upgraded(Conn c) {
        String room = rooms[ThreadLocalRandom.current().nextInt(rooms.length)];
        byte[] subscribe = ("{\"id\":1,\"op\":\"subscribe\",\"channel\":\"" + room + "\"}").getBytes(StandardCharsets.US_ASCII);
        c.send(Conn.maskedFrame(1, subscribe), true);
      }

      @Override
      public void frame(Conn c, int opcode, ByteBuf buf, int from, int len, long nowMicros) {
        c.worker.messages++;
      }
    };
  }

  /**
   * Sockets the churn may hold at once, left free of the server's connection limit by the steady load: a
   * second's sockets live at most 1.5 × lifeMs, plus a second for the server to see them closed.
   */
  static int reserve(int perSecond, long lifeMs) {
    return (int) Math.ceil(perSecond * (1.5 * lifeMs / 1000.0 + 1));
  }

  void start() {
    if (perSecond > 0) {
      timer.scheduleAtFixedRate(this::batch, 0, 1, TimeUnit.SECONDS);
    }
  }

  private void batch() {
    try {
      boolean toRoom = rooms.length > 0 && seconds++ % 2 == 1;
      List<Conn> conns = client.connect(perSecond, toRoom ? "/ws" : "/ws/time", toRoom ? joining : ticking, perSecond, 5000);
      connected.addAndGet(conns.size());
      for (Conn c : conns) {
        long life = lifeMs / 2 + ThreadLocalRandom.current().nextLong(Math.max(1, lifeMs));
        c.ctx.channel().eventLoop().schedule(() -> end(c), life, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      System.err.println("churn: " + e);
    }
  }

  /** On the socket's loop: a close frame for every other socket, then the TCP connection closed. */
  private void end(Conn c) {
    if (!c.ctx.channel().isActive()) {
      return; // the server closed it: counted by the client's disconnects or closedByServer
    }
    if (c.id % 2 == 0) {
      c.send(CLOSE_1000.duplicate(), false);
    }
    c.close();
    closedBySoak.incrementAndGet();
  }

  JsonObject toJson() throws Exception {
    Worker w = client.collect(false);
    return new JsonObject().put("connected", connected.get()).put("connectFailed", client.failed())
        .put("closedBySoak", closedBySoak.get()).put("closedByServer", w.closedByServer)
        .put("droppedByServer", w.disconnects).put("firstError", w.firstError);
  }

  @Override
  public void close() throws InterruptedException {
    timer.shutdownNow();
    timer.awaitTermination(10, TimeUnit.SECONDS);
  }
}
