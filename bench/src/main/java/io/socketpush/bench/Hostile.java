package io.socketpush.bench;

import io.vertx.core.json.JsonObject;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The soak's hostile clients: the attacks of issue #11, each refused by a documented bound
 * (docs/limits.md), each kind from its own client address (127.0.1K.I, never one of the load's
 * 127.0.0.x), so that a per-address bound meets only the attacker. Every instance attacks, is refused,
 * waits a second and attacks again, for the whole soak. A client that never reads cannot see the close
 * code behind what it left unread: it sees its connection dropped, and the server's counters
 * ({@code /api/stats}: socketsClosedByLimit, socketsClosedByCode, httpRefused) say with which code.
 */
final class Hostile implements AutoCloseable {
  enum Kind {
    PING_FLOOD("ping-flood", "empty pings on /ws as fast as it can write, never reads",
        "close 1008 'too many frames' (ws.framesPerSecond), then dropped", 30),
    PING_UNREAD("ping-unread", "125-byte pings on /ws, 1,000/s (half ws.framesPerSecond), never reads the pongs",
        "close 1008 'too much queued' (ws.maxQueuedBytes) or 'slow consumer' once the kernel's buffers are full, dropped", 300),
    UNKNOWN_OP("unknown-op-unread", "a 60 KB unknown op on /ws, 50/s (half channels.requestsPerSecond), never reads the errors",
        "each error reply repeats 64 characters of the op; close 1008 (slow consumer or queue) once the kernel's buffers are full, minutes in", 0),
    OVERSIZED_OP("oversized-op", "one 70 KB request on /ws, over ws.maxMessageBytes",
        "close 1009 at once", 30),
    SLOWLORIS("slowloris", "N connections sending an HTTP head one byte every 2 s, never ending it",
        "closed unanswered at limits.httpHeaderTimeoutMs; beyond limits.pendingRequestsPerIp closed at once", 60),
    REST_FLOOD("rest-flood", "POST /api/channels/chat:<a new name each time>, 500/s",
        "202 up to limits.apiPublishesPerSecondPerIp (50/s), 429 error 111 beyond; each 202 makes a channel, forgotten after channels.idleTimeoutMs", 0),
    FORM_POST("form-post", "POST /api/channels/chat:… form-encoded, 3 KB, 20/s",
        "400 error 107 (not JSON), nothing logged", 0);

    final String id;
    final String does;
    final String expected;
    /** A connection of this kind still open after this long was not refused: the soak closes it and says so. 0: none. */
    final int maxLifeSeconds;

    Kind(String id, String does, String expected, int maxLifeSeconds) {
      this.id = id;
      this.does = does;
      this.expected = expected;
      this.maxLifeSeconds = maxLifeSeconds;
    }

    /** Whether it holds a WebSocket (so takes one of the server's connections while it lasts). */
    boolean webSocket() {
      return this == PING_FLOOD || this == PING_UNREAD || this == UNKNOWN_OP || this == OVERSIZED_OP;
    }

    static Kind of(String id) {
      return Arrays.stream(values()).filter(k -> k.id.equals(id)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("unknown hostile kind " + id));
    }
  }

  static final String DROPPED = "dropped by the server";
  static final String NOT_REFUSED = "not refused in time (closed by the soak)";
  static final String OPEN_AT_END = "still open when the soak ended";
  private static final byte[] MASK = {0x37, (byte) 0xfa, 0x21, 0x3d};
  private static final Pattern CODE = Pattern.compile("\"code\":(\\d+)");

  private final int port;
  private final String tag;
  private final Map<Kind, Tally> tallies = new EnumMap<>(Kind.class);
  private final List<Thread> threads = new ArrayList<>();
  private final List<Slowloris> slowloris = new ArrayList<>();
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "hostile-watchdog");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean running = true;

  /** {@code perKind} instances of each kind; {@code tag} keeps this run's channel names apart from earlier runs'. */
  Hostile(int port, List<Kind> kinds, int perKind, int slowlorisConnections, String tag) {
    this.port = port;
    this.tag = tag;
    for (Kind kind : kinds) {
      Tally tally = new Tally();
      tallies.put(kind, tally);
      for (int i = 0; i < perKind; i++) {
        String local = "127.0." + (10 + kind.ordinal()) + "." + (1 + i);
        if (kind == Kind.SLOWLORIS) {
          slowloris.add(new Slowloris(local, port, slowlorisConnections, kind.maxLifeSeconds, tally));
          continue;
        }
        int instance = i;
        Thread t = new Thread(() -> loop(kind, local, instance, tally), "hostile-" + kind.id + "-" + i);
        t.setDaemon(true);
        threads.add(t);
      }
    }
  }

  void start() {
    threads.forEach(Thread::start);
    slowloris.forEach(Slowloris::start);
  }

  int openNow() {
    return tallies.values().stream().mapToInt(t -> t.open.get()).sum();
  }

  /** Per kind: what it does, what the bounds should answer, what it saw. */
  JsonObject toJson() {
    JsonObject out = new JsonObject();
    tallies.forEach((kind, tally) -> out.put(kind.id, tally.toJson().put("does", kind.does).put("expected", kind.expected)));
    return out;
  }

  /** Per kind: attempts and outcomes so far, without the descriptions. */
  JsonObject counts() {
    JsonObject out = new JsonObject();
    tallies.forEach((kind, tally) -> out.put(kind.id, tally.toJson()));
    return out;
  }

  private void loop(Kind kind, String local, int instance, Tally tally) {
    long n = 0;
    while (running) {
      try {
        switch (kind) {
          case REST_FLOOD, FORM_POST -> n = http(kind, local, instance, tally, n);
          default -> webSocket(kind, local, tally);
        }
      } catch (IOException | RuntimeException e) {
        tally.outcome("client error: " + e.getClass().getSimpleName());
      }
      sleep(1000);
    }
  }

  /** One connection of a WebSocket kind, from upgrade to its end. */
  private void webSocket(Kind kind, String local, Tally tally) throws IOException {
    Socket s = open(local, kind == Kind.OVERSIZED_OP ? 0 : 4096); // a small receive buffer: less hidden in the client
    tally.attempts.incrementAndGet();
    long t0 = System.nanoTime();
    AtomicBoolean killed = new AtomicBoolean();
    ScheduledFuture<?> deadline = kind.maxLifeSeconds == 0 ? null : watchdog.schedule(() -> {
      killed.set(true);
      closeQuietly(s);
    }, kind.maxLifeSeconds, TimeUnit.SECONDS);
    tally.open.incrementAndGet();
    try {
      String status = upgrade(s, "/ws");
      if (!status.startsWith("HTTP/1.1 101")) {
        tally.ended("handshake refused: " + status, System.nanoTime() - t0);
        return;
      }
      String end = switch (kind) {
        case PING_FLOOD -> floodPings(s.getOutputStream());
        case PING_UNREAD -> paced(s.getOutputStream(), frame(0x9, new byte[125]), 1000);
        case UNKNOWN_OP -> paced(s.getOutputStream(), frame(0x1, request("{\"id\":1,\"op\":\"", 60_000, "\"}")), 50);
        default -> oversized(s);
      };
      tally.ended(end, System.nanoTime() - t0);
    } catch (IOException e) {
      tally.ended(!running ? OPEN_AT_END : killed.get() ? NOT_REFUSED : DROPPED, System.nanoTime() - t0);
    } finally {
      tally.open.decrementAndGet();
      if (deadline != null) {
        deadline.cancel(false);
      }
      sockets.remove(s);
      closeQuietly(s);
    }
  }

  /** Writes until a write fails: the server stopped reading, then dropped the connection. */
  private String floodPings(OutputStream out) throws IOException {
    byte[] ping = frame(0x9, new byte[0]);
    byte[] batch = new byte[ping.length * 1000];
    for (int i = 0; i < 1000; i++) {
      System.arraycopy(ping, 0, batch, i * ping.length, ping.length);
    }
    while (running) {
      out.write(batch);
    }
    throw new IOException("stopped");
  }

  /** {@code perSecond} copies of the frame a second, in batches every 10 ms, until a write fails. */
  private String paced(OutputStream out, byte[] frame, int perSecond) throws IOException {
    long start = System.nanoTime();
    long sent = 0;
    while (running) {
      long due = (System.nanoTime() - start) * perSecond / 1_000_000_000L;
      sent = Math.max(sent, due - perSecond / 10); // after a stall, no catching up in one burst
      for (; sent < due; sent++) {
        out.write(frame);
      }
      out.flush();
      sleep(10);
    }
    throw new IOException("stopped");
  }

  /** Sends one request over ws.maxMessageBytes and reads what comes back: the close frame's code. */
  private String oversized(Socket s) throws IOException {
    try {
      s.getOutputStream().write(frame(0x1, request("{\"id\":1,\"op\":\"", 70_000, "\"}")));
    } catch (IOException closedWhileWriting) {
      // the server may close as soon as it has read the frame's length: what it answered is still readable
    }
    s.setSoTimeout(10_000);
    InputStream in = new BufferedInputStream(s.getInputStream());
    while (true) {
      int b0 = in.read();
      int b1 = in.read();
      if (b0 < 0 || b1 < 0) {
        return DROPPED + " without a close frame";
      }
      long len = b1 & 0x7f;
      if (len == 126) {
        len = (in.read() << 8) | in.read();
      } else if (len == 127) {
        len = 0;
        for (int i = 0; i < 8; i++) {
          len = (len << 8) | in.read();
        }
      }
      byte[] payload = in.readNBytes((int) len);
      if ((b0 & 0x0f) == 0x8) {
        return payload.length >= 2 ? "close " + (((payload[0] & 0xff) << 8) | (payload[1] & 0xff)) : "close without a code";
      }
    }
  }

  /** Requests on one keep-alive connection at the kind's rate, until the server closes it; returns the request count. */
  private long http(Kind kind, String local, int instance, Tally tally, long n) throws IOException {
    int perSecond = kind == Kind.REST_FLOOD ? 500 : 20;
    byte[] form = request("a=", 3000, "");
    Socket s = open(local, 0);
    try {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      InputStream in = new BufferedInputStream(s.getInputStream());
      long start = System.nanoTime();
      long sent = 0;
      while (running) {
        long due = (System.nanoTime() - start) * perSecond / 1_000_000_000L;
        sent = Math.max(sent, due - Math.max(1, perSecond / 10)); // after a stall, no catching up in one burst
        if (sent >= due) {
          sleep(2);
          continue;
        }
        sent++;
        String head;
        byte[] body;
        if (kind == Kind.REST_FLOOD) {
          body = ("{\"n\":" + n + "}").getBytes(StandardCharsets.US_ASCII);
          head = "POST /api/channels/chat:flood-" + tag + "-" + instance + "-" + n++ + " HTTP/1.1\r\nContent-Type: application/json\r\n";
        } else {
          body = form;
          head = "POST /api/channels/chat:form-" + tag + " HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n";
        }
        out.write((head + "Host: 127.0.0.1:" + port + "\r\nContent-Length: " + body.length + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        tally.attempts.incrementAndGet();
        String answer = response(in);
        if (answer == null) {
          tally.outcome("connection closed by the server");
          return n;
        }
        tally.outcome(answer);
      }
    } catch (IOException e) {
      if (running) {
        tally.outcome("connection dropped by the server");
      }
    } finally {
      sockets.remove(s);
      closeQuietly(s);
    }
    return n;
  }

  /** "HTTP 429 error 111" from a response's status and the error code in its JSON body; null at end of stream. */
  private static String response(InputStream in) throws IOException {
    String status = line(in);
    if (status == null) {
      return null;
    }
    int length = 0;
    for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
      if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
        length = Integer.parseInt(h.substring(15).trim());
      }
    }
    String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
    String[] parts = status.split(" ", 3);
    Matcher code = CODE.matcher(body);
    return "HTTP " + (parts.length > 1 ? parts[1] : status) + (code.find() ? " error " + code.group(1) : "");
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        return sb.length() == 0 ? null : sb.toString();
      }
      if (c != '\r') {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }

  private Socket open(String local, int receiveBuffer) throws IOException {
    Socket s = new Socket();
    if (receiveBuffer > 0) {
      s.setReceiveBufferSize(receiveBuffer);
    }
    s.bind(new InetSocketAddress(local, 0));
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    s.setTcpNoDelay(true);
    sockets.add(s);
    return s;
  }

  /** Sends the upgrade request and reads the response's head: its status line. */
  private String upgrade(Socket s, String path) throws IOException {
    s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    s.setSoTimeout(10_000);
    InputStream in = s.getInputStream(); // byte by byte: nothing after the head may be read
    String status = line(in);
    for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
      // the headers of the 101
    }
    s.setSoTimeout(0);
    return status == null ? "no answer" : status;
  }

  /** prefix, {@code fill} times 'x', suffix. */
  private static byte[] request(String prefix, int fill, String suffix) {
    byte[] out = new byte[prefix.length() + fill + suffix.length()];
    byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(p, 0, out, 0, p.length);
    Arrays.fill(out, p.length, p.length + fill, (byte) 'x');
    byte[] s = suffix.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(s, 0, out, p.length + fill, s.length);
    return out;
  }

  /** A client frame: FIN, masked with a fixed key. */
  static byte[] frame(int opcode, byte[] payload) {
    int n = payload.length;
    int header = n < 126 ? 2 : n < 65536 ? 4 : 10;
    byte[] f = new byte[header + 4 + n];
    f[0] = (byte) (0x80 | opcode);
    if (n < 126) {
      f[1] = (byte) (0x80 | n);
    } else if (n < 65536) {
      f[1] = (byte) (0x80 | 126);
      f[2] = (byte) (n >> 8);
      f[3] = (byte) n;
    } else {
      f[1] = (byte) (0x80 | 127);
      for (int i = 0; i < 8; i++) {
        f[2 + i] = (byte) ((long) n >> (56 - 8 * i));
      }
    }
    System.arraycopy(MASK, 0, f, header, 4);
    for (int i = 0; i < n; i++) {
      f[header + 4 + i] = (byte) (payload[i] ^ MASK[i & 3]);
    }
    return f;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing what the server may have closed already
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    slowloris.forEach(Slowloris::stop);
    sockets.forEach(Hostile::closeQuietly);
    for (Thread t : threads) {
      t.join(5000);
    }
    for (Slowloris s : slowloris) {
      s.join(5000);
    }
    watchdog.shutdownNow();
  }
}
