package io.socketpush.bench;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * {@code channels}: the sockets of one server port on {@code /ws}. Each subscribes to its room on
 * upgrade, then publishes {@code {"t":<send µs>}} to it every interval (a random phase per socket);
 * each publication it receives is checked against the room's numbering ({@code seq} exactly one above
 * the last this socket saw, from the {@code seq} its subscribe reply gave) and its latency recorded.
 * A publish request's id is its send time, so its reply needs no lookup. Frames are scanned, not
 * parsed as JSON. Only the sender's socket is written to on a publish; everything else runs on the
 * socket's client event loop, with per-loop counters ({@link Loop}), read after the run.
 */
final class ChannelSink implements Conn.Sink {
  /** What the whole run shares: rooms, their subscriber counts and the measured window. */
  static final class Run {
    final String[] channels;
    final int perRoom;
    final long intervalMs;
    final AtomicIntegerArray subscribers;
    /** The highest seq any publish reply gave, per room: what every subscriber should reach. */
    final AtomicLongArray acknowledgedTop;
    final AtomicInteger subscribed = new AtomicInteger();
    final AtomicInteger subscribeFailed = new AtomicInteger();
    /** Send-time window (Clock µs, fixed before it starts): a publication counts if its t is in [from, to). */
    volatile long windowFrom = Long.MAX_VALUE;
    volatile long windowTo = Long.MAX_VALUE;
    volatile boolean publishing;
    final Queue<Loop> loops = new ConcurrentLinkedQueue<>();
    final ThreadLocal<Loop> loop = ThreadLocal.withInitial(() -> {
      Loop l = new Loop();
      loops.add(l);
      return l;
    });
    final Queue<JsonObject> anomalies = new ConcurrentLinkedQueue<>();
    final AtomicInteger anomalyCount = new AtomicInteger();

    Run(String prefix, int rooms, int perRoom, long intervalMs) {
      this.channels = new String[rooms];
      for (int r = 0; r < rooms; r++) {
        channels[r] = prefix + r;
      }
      this.perRoom = perRoom;
      this.intervalMs = intervalMs;
      this.subscribers = new AtomicIntegerArray(rooms);
      this.acknowledgedTop = new AtomicLongArray(rooms);
    }

    boolean inWindow(long t) {
      return t >= windowFrom && t < windowTo;
    }

    /** The first few irregularities, with enough to find them again (room, socket, member). */
    void anomaly(String kind, Member m, long expected, long got) {
      if (anomalyCount.incrementAndGet() <= 30) {
        anomalies.add(new JsonObject().put("kind", kind).put("channel", channels[m.room]).put("port", m.port)
            .put("socket", m.conn.id).put("expectedSeq", expected).put("gotSeq", got).put("atMicros", Clock.nowMicros()));
      }
    }
  }

  /** Counters and histograms of one client event loop (written by it only). */
  static final class Loop {
    /** Delivery latency, receipt − t, µs, publications sent in the window. */
    final Histogram latency = new Histogram(600_000_000L, 3);
    /** Publish request to its reply, µs, in the window. */
    final Histogram ack = new Histogram(600_000_000L, 3);
    long sent;
    long acked;
    long publishErrors;
    long expected;
    long delivered;
    long deliveredAll;
    long dups;
    long outOfOrder;
    long gaps;
    long gapEvents;
    long beforeSubscribeReply;
    long presence;
    long wrongChannel;
    long other;
    long publishErrorsAll;
    String firstPublishError;

    void add(Loop o) {
      latency.add(o.latency);
      ack.add(o.ack);
      sent += o.sent;
      acked += o.acked;
      publishErrors += o.publishErrors;
      expected += o.expected;
      delivered += o.delivered;
      deliveredAll += o.deliveredAll;
      dups += o.dups;
      outOfOrder += o.outOfOrder;
      gaps += o.gaps;
      gapEvents += o.gapEvents;
      beforeSubscribeReply += o.beforeSubscribeReply;
      presence += o.presence;
      wrongChannel += o.wrongChannel;
      other += o.other;
      publishErrorsAll += o.publishErrorsAll;
      if (firstPublishError == null) {
        firstPublishError = o.firstPublishError;
      }
    }
  }

  /** One socket: its room and where it stands in the room's numbering. */
  static final class Member {
    final Conn conn;
    final int room;
    final int port;
    final byte[] channel;
    long last = -1; // unknown until the subscribe reply
    ScheduledFuture<?> timer;

    Member(Conn conn, int room, int port, String channel) {
      this.conn = conn;
      this.room = room;
      this.port = port;
      this.channel = channel.getBytes(StandardCharsets.US_ASCII);
    }
  }

  private static final long SUBSCRIBE_ID = 1;
  private static final byte[] CHANNEL_HEAD = "{\"channel\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ID_HEAD = "{\"id\":".getBytes(StandardCharsets.US_ASCII);

  private final Run run;
  private final int portIndex;
  private final int ports;
  /** By the connection's id in its {@link LoadClient}: written once on its loop at upgrade. */
  private final Member[] members;
  final List<Member> all = new ArrayList<>();

  /**
   * @param portIndex which of the {@code ports} servers this client's sockets go to: socket {@code id}
   *                  of this client is socket {@code id * ports + portIndex} of the run, and socket
   *                  {@code g} of the run is in room {@code g / perRoom}, so a room's sockets are spread
   *                  over the servers
   */
  ChannelSink(Run run, int portIndex, int ports, int sockets) {
    this.run = run;
    this.portIndex = portIndex;
    this.ports = ports;
    this.members = new Member[sockets];
  }

  /** How many of the run's {@code total} sockets go to server {@code portIndex}. */
  static int socketsFor(int total, int portIndex, int ports) {
    return (total - portIndex + ports - 1) / ports;
  }

  @Override
  public void upgraded(Conn c) {
    int room = (c.id * ports + portIndex) / run.perRoom;
    Member m = new Member(c, room, portIndex, run.channels[room]);
    members[c.id] = m;
    synchronized (all) {
      all.add(m);
    }
    send(c, "{\"id\":" + SUBSCRIBE_ID + ",\"op\":\"subscribe\",\"channel\":\"" + run.channels[room] + "\"}", true);
  }

  /** Starts this socket's publications, at a random phase of the interval; call on any thread. */
  void startPublishing(Member m) {
    long phase = ThreadLocalRandom.current().nextLong(run.intervalMs * 1000);
    m.timer = m.conn.ctx.channel().eventLoop().scheduleAtFixedRate(() -> publish(m), phase,
        run.intervalMs * 1000, TimeUnit.MICROSECONDS);
  }

  void stopPublishing(Member m) {
    if (m.timer != null) {
      m.timer.cancel(false);
    }
  }

  private void publish(Member m) {
    if (!run.publishing || !m.conn.ctx.channel().isActive()) {
      return;
    }
    long t = Clock.nowMicros();
    if (run.inWindow(t)) {
      run.loop.get().sent++;
    }
    send(m.conn, "{\"id\":" + t + ",\"op\":\"publish\",\"channel\":\"" + run.channels[m.room] + "\",\"data\":{\"t\":" + t + "}}", false);
  }

  private static void send(Conn c, String text, boolean inRead) {
    c.send(Conn.maskedFrame(1, text.getBytes(StandardCharsets.US_ASCII)), inRead);
  }

  @Override
  public void frame(Conn c, int opcode, ByteBuf buf, int from, int len, long nowMicros) {
    Loop l = run.loop.get();
    Member m = members[c.id];
    int to = from + len;
    if (opcode != 1 || m == null) {
      l.other++;
    } else if (startsWith(buf, from, to, CHANNEL_HEAD)) {
      onChannelMessage(l, m, buf, from + CHANNEL_HEAD.length, to, nowMicros);
    } else if (startsWith(buf, from, to, ID_HEAD)) {
      onReply(l, m, buf, from, to, nowMicros);
    } else {
      l.other++;
    }
  }

  /** {"channel":"chat:r1","seq":7,"data":{"t":…}} or {"channel":"chat:r1","join":{…}} (or "leave"). */
  private void onChannelMessage(Loop l, Member m, ByteBuf buf, int at, int to, long nowMicros) {
    byte[] ch = m.channel;
    if (at + ch.length + 1 > to || buf.getByte(at + ch.length) != '"' || !startsWith(buf, at, to, ch)) {
      l.wrongChannel++;
      return;
    }
    int rest = at + ch.length + 1;
    long seq = number(buf, rest, to, "\"seq\":");
    if (seq < 0) {
      l.presence++;
      return;
    }
    long t = number(buf, rest, to, "\"t\":");
    l.deliveredAll++;
    if (t >= 0 && run.inWindow(t)) {
      l.delivered++;
      l.latency.recordValue(Math.max(0, nowMicros - t));
    }
    long last = m.last;
    if (last < 0) {
      l.beforeSubscribeReply++;
      run.anomaly("publication before the subscribe reply", m, -1, seq);
      m.last = seq;
    } else if (seq == last + 1) {
      m.last = seq;
    } else if (seq > last + 1) {
      l.gaps += seq - last - 1;
      l.gapEvents++;
      run.anomaly("gap", m, last + 1, seq);
      m.last = seq;
    } else {
      l.dups++;
      if (seq < last) {
        l.outOfOrder++;
      }
      run.anomaly(seq == last ? "duplicate" : "out of order", m, last + 1, seq);
    }
  }

  /** {"id":1,"result":{"channel":…,"epoch":…,"seq":N}} for the subscribe; {"id":t,"result":{…,"seq":N}} or {"id":t,"error":{…}}. */
  private void onReply(Loop l, Member m, ByteBuf buf, int from, int to, long nowMicros) {
    long id = number(buf, from, to, "\"id\":");
    boolean ok = indexOf(buf, from, to, "\"result\":") >= 0;
    long seq = ok ? number(buf, from, to, "\"seq\":") : -1;
    if (id == SUBSCRIBE_ID) {
      if (ok && seq >= 0) {
        m.last = Math.max(m.last, seq); // a publication before this reply is counted where it came
        run.subscribers.incrementAndGet(m.room);
        run.subscribed.incrementAndGet();
      } else {
        run.subscribeFailed.incrementAndGet();
        if (l.firstPublishError == null) {
          l.firstPublishError = "subscribe: " + buf.toString(from, to - from, StandardCharsets.UTF_8);
        }
      }
      return;
    }
    boolean inWindow = run.inWindow(id);
    if (ok && seq > 0) {
      run.acknowledgedTop.accumulateAndGet(m.room, seq, Math::max);
      if (inWindow) {
        l.acked++;
        l.expected += run.subscribers.get(m.room);
        l.ack.recordValue(Math.max(0, nowMicros - id));
      }
    } else {
      l.publishErrorsAll++;
      if (inWindow) {
        l.publishErrors++;
      }
      if (l.firstPublishError == null) {
        l.firstPublishError = buf.toString(from, to - from, StandardCharsets.UTF_8);
      }
    }
  }

  private static boolean startsWith(ByteBuf buf, int from, int to, byte[] prefix) {
    if (to - from < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (buf.getByte(from + i) != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(ByteBuf buf, int from, int to, String key) {
    outer:
    for (int i = from, n = to - key.length(); i <= n; i++) {
      for (int j = 0; j < key.length(); j++) {
        if (buf.getByte(i + j) != key.charAt(j)) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** The non-negative integer after the first {@code key}, or −1. */
  static long number(ByteBuf buf, int from, int to, String key) {
    int at = indexOf(buf, from, to, key);
    if (at < 0) {
      return -1;
    }
    long v = 0;
    int j = at + key.length();
    for (byte b; j < to && (b = buf.getByte(j)) >= '0' && b <= '9'; j++) {
      v = v * 10 + (b - '0');
    }
    return j == at + key.length() ? -1 : v;
  }
}
