package io.socketpush.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/** What each mode does with the frames it receives. Everything here runs on client event loops. */
final class Sinks {
  /** Counts and latency are recorded only inside the measured window. */
  static volatile boolean measuring;

  private Sinks() {
  }

  /** {@code fanout}: scans {@code "ts":} out of the frame bytes (no JSON parse); latency = receipt − ts. */
  static final class Fanout implements Conn.Sink {
    /** Every ts any socket received: what "a tick was published" means to the client. */
    static final ConcurrentSkipListSet<Long> published = new ConcurrentSkipListSet<>();
    private static volatile long newestTs;
    private final long periodMs;

    Fanout(long periodMs) {
      this.periodMs = periodMs;
    }

    @Override
    public void frame(Conn c, int opcode, ByteBuf buf, int from, int len, long nowMicros) {
      Worker w = c.worker;
      long ts = opcode == 1 ? scanTs(buf, from, from + len) : -1;
      if (ts < 0) {
        w.other++;
        return;
      }
      if (ts > newestTs) {
        published.add(ts);
        newestTs = ts;
      }
      long last = c.last;
      c.last = ts;
      if (last == 0) {
        w.ready++;
        return;
      }
      if (!measuring) {
        return;
      }
      w.messages++;
      if (ts == last) {
        w.dups++;
      } else if (ts < last) {
        w.backwards++;
      } else if (ts - last > periodMs + periodMs / 2) {
        // a gap is a tick some socket got and this one did not; a late timer that skipped a
        // period boundary is no gap (ticksInWindow shows it)
        w.gaps += published.subSet(last, false, ts, false).size();
      }
      w.latency.recordValue(Math.max(0, nowMicros - ts * 1000));
    }

    static long scanTs(ByteBuf buf, int from, int to) {
      for (int i = from; i < to - 5; i++) {
        if (buf.getByte(i) == '"' && buf.getByte(i + 1) == 't' && buf.getByte(i + 2) == 's'
            && buf.getByte(i + 3) == '"' && buf.getByte(i + 4) == ':') {
          long v = 0;
          int j = i + 5;
          for (byte b; j < to && (b = buf.getByte(j)) >= '0' && b <= '9'; j++) {
            v = v * 10 + (b - '0');
          }
          return j == i + 5 ? -1 : v;
        }
      }
      return -1;
    }
  }

  /** {@code echo}: each socket sends 64 bytes and sends again when they come back (one in flight). */
  static final class Echo implements Conn.Sink {
    static final int PAYLOAD = 64;
    private final ByteBuf frame;

    Echo() {
      byte[] payload = new byte[PAYLOAD];
      for (int i = 0; i < PAYLOAD; i++) {
        payload[i] = (byte) ('a' + i % 26);
      }
      frame = Unpooled.unreleasableBuffer(Conn.maskedFrame(1, payload));
    }

    @Override
    public void upgraded(Conn c) {
      c.sentAtNanos = System.nanoTime();
      c.send(frame.duplicate(), true);
    }

    @Override
    public void frame(Conn c, int opcode, ByteBuf buf, int from, int len, long nowMicros) {
      Worker w = c.worker;
      if (len != PAYLOAD) {
        w.other++;
      }
      long now = System.nanoTime();
      if (measuring) {
        w.messages++;
        w.latency.recordValue(Math.max(1, (now - c.sentAtNanos) / 1000));
      }
      c.sentAtNanos = now;
      c.send(frame.duplicate(), true);
    }
  }

  /**
   * {@code broadcast}, as the websocket-shootout client does it: a few senders each send
   * {@code {"type":"broadcast","payload":…}} and send again when their {@code broadcastResult} comes;
   * round trip = send to result. Every socket counts the broadcasts it receives.
   */
  static final class Broadcast implements Conn.Sink {
    private volatile AtomicInteger toSend = new AtomicInteger();
    private volatile CountDownLatch done = new CountDownLatch(0);
    private volatile int expectedListeners;

    /** Starts a sample: the senders send {@code samples} broadcasts in all, then {@code done} opens. */
    CountDownLatch run(Conn[] senders, int samples, int listeners) {
      expectedListeners = listeners;
      toSend = new AtomicInteger(samples);
      done = new CountDownLatch(samples);
      for (Conn s : senders) {
        s.ctx.channel().eventLoop().execute(() -> sendNext(s, false));
      }
      return done;
    }

    private void sendNext(Conn c, boolean inRead) {
      if (toSend.getAndDecrement() > 0) {
        c.sentAtNanos = System.nanoTime();
        byte[] msg = ("{\"type\":\"broadcast\",\"payload\":{\"sendTime\":" + c.sentAtNanos + ",\"sender\":" + c.id + "}}")
            .getBytes(StandardCharsets.US_ASCII);
        c.send(Conn.maskedFrame(1, msg), inRead);
      }
    }

    @Override
    public void frame(Conn c, int opcode, ByteBuf buf, int from, int len, long nowMicros) {
      Worker w = c.worker;
      if (opcode != 1 || len < 20) {
        w.other++;
      } else if (buf.getByte(from + 18) == '"') { // {"type":"broadcast"
        w.messages++;
      } else if (buf.getByte(from + 18) == 'R') { // {"type":"broadcastResult"
        w.latency.recordValue(Math.max(1, (System.nanoTime() - c.sentAtNanos) / 1000));
        String text = buf.toString(from, len, StandardCharsets.US_ASCII);
        int at = text.indexOf("\"listenerCount\":");
        long count = at < 0 ? -1 : Long.parseLong(text.substring(at + 16).replaceAll("[^0-9].*", ""));
        if (count != expectedListeners) {
          w.badCounts++;
        }
        done.countDown();
        sendNext(c, true);
      } else {
        w.other++;
      }
    }
  }
}
