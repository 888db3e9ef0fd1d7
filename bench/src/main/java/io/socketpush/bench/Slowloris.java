package io.socketpush.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.PriorityQueue;

/**
 * One slowloris client: {@code connections} plain HTTP connections from one address, each sending a request
 * head one byte every two seconds and never ending it, on one thread with a selector. A connection the
 * server closes is opened again a second later. How each ended, from the client's side: closed at once
 * (within 2 s: refused before being read, {@code limits.pendingRequestsPerIp}), closed later with no answer
 * (the header deadline, {@code limits.httpHeaderTimeoutMs}), answered (the server sent something), or still
 * open after {@code maxLifeSeconds} (not refused: the soak closes it and says so).
 */
final class Slowloris {
  static final String AT_ONCE = "closed at once, unanswered (< 2 s)";
  static final String LATER = "closed unanswered after >= 2 s";
  private static final byte[] HEAD = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);

  private final String local;
  private final int port;
  private final int connections;
  private final long maxLifeNanos;
  private final Tally tally;
  private final Thread thread;
  private volatile boolean running = true;

  private static final class Held {
    final SocketChannel channel;
    final long openedNanos;
    final StringBuilder answer = new StringBuilder();

    Held(SocketChannel channel, long openedNanos) {
      this.channel = channel;
      this.openedNanos = openedNanos;
    }
  }

  Slowloris(String local, int port, int connections, int maxLifeSeconds, Tally tally) {
    this.local = local;
    this.port = port;
    this.connections = connections;
    this.maxLifeNanos = maxLifeSeconds * 1_000_000_000L;
    this.tally = tally;
    this.thread = new Thread(this::run, "hostile-slowloris-" + local);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  void stop() {
    running = false;
  }

  void join(long ms) throws InterruptedException {
    thread.join(ms);
  }

  private void run() {
    // the first opens spread over 10 s, so that the server's deadlines do not close them all in one sweep
    // (the open file descriptors a sample sees would then swing by all of them at once)
    PriorityQueue<Long> reopenAt = new PriorityQueue<>(); // times to open a connection at, earliest first
    long first = System.nanoTime();
    for (int i = 0; i < connections; i++) {
      reopenAt.add(first + i * 10_000_000_000L / connections);
    }
    ByteBuffer in = ByteBuffer.allocate(4096);
    ByteBuffer oneByte = ByteBuffer.wrap(new byte[] {'a'});
    long nextByte = System.nanoTime() + 2_000_000_000L;
    try (Selector selector = Selector.open()) {
      while (running) {
        long now = System.nanoTime();
        while (!reopenAt.isEmpty() && reopenAt.peek() <= now) {
          reopenAt.poll();
          open(selector, reopenAt, now);
        }
        selector.select(200);
        now = System.nanoTime();
        for (SelectionKey key : selector.selectedKeys()) {
          if (!key.isValid()) {
            continue;
          }
          Held h = (Held) key.attachment();
          in.clear();
          int n;
          try {
            n = h.channel.read(in);
          } catch (IOException reset) {
            n = -1;
          }
          if (n < 0) {
            end(key, h, h.answer.length() > 0 ? "answered: " + firstLine(h) : lifeLabel(now - h.openedNanos), now, reopenAt);
          } else if (h.answer.length() < 200) {
            h.answer.append(new String(in.array(), 0, n, StandardCharsets.ISO_8859_1));
          }
        }
        selector.selectedKeys().clear();
        boolean byteDue = now >= nextByte;
        if (byteDue) {
          nextByte = now + 2_000_000_000L;
        }
        for (SelectionKey key : new ArrayList<>(selector.keys())) {
          if (!key.isValid()) {
            continue; // ended above: a cancelled key stays in keys() until the next select
          }
          Held h = (Held) key.attachment();
          if (now - h.openedNanos > maxLifeNanos) {
            end(key, h, Hostile.NOT_REFUSED, now, reopenAt);
          } else if (byteDue) {
            try {
              h.channel.write(oneByte.rewind());
            } catch (IOException closed) {
              end(key, h, h.answer.length() > 0 ? "answered: " + firstLine(h) : lifeLabel(now - h.openedNanos), now, reopenAt);
            }
          }
        }
      }
      long now = System.nanoTime();
      for (SelectionKey key : new ArrayList<>(selector.keys())) {
        if (key.isValid()) {
          end(key, (Held) key.attachment(), Hostile.OPEN_AT_END, now, reopenAt);
        }
      }
    } catch (IOException e) {
      tally.outcome("client error: " + e);
    }
  }

  private void open(Selector selector, PriorityQueue<Long> reopenAt, long now) {
    SocketChannel ch;
    try {
      ch = SocketChannel.open();
    } catch (IOException e) {
      tally.outcome("could not connect: " + e.getMessage());
      reopenAt.add(now + 1_000_000_000L);
      return;
    }
    try {
      ch.bind(new InetSocketAddress(local, 0));
      ch.connect(new InetSocketAddress("127.0.0.1", port));
    } catch (IOException e) {
      tally.outcome("could not connect: " + e.getMessage());
      closeQuietly(ch);
      reopenAt.add(now + 1_000_000_000L);
      return;
    }
    tally.attempts.incrementAndGet();
    tally.open.incrementAndGet();
    Held h = new Held(ch, now);
    try {
      ch.write(ByteBuffer.wrap(HEAD));
      ch.configureBlocking(false);
      ch.register(selector, SelectionKey.OP_READ, h);
    } catch (IOException closedAtOnce) {
      closeQuietly(ch);
      tally.open.decrementAndGet();
      tally.ended(AT_ONCE, System.nanoTime() - now);
      reopenAt.add(now + 1_000_000_000L);
    }
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // closed by the server already
    }
  }

  private void end(SelectionKey key, Held h, String outcome, long now, PriorityQueue<Long> reopenAt) {
    key.cancel();
    closeQuietly(h.channel);
    tally.open.decrementAndGet();
    tally.ended(outcome, now - h.openedNanos);
    reopenAt.add(now + 1_000_000_000L);
  }

  private static String lifeLabel(long nanos) {
    return nanos < 2_000_000_000L ? AT_ONCE : LATER;
  }

  private static String firstLine(Held h) {
    int end = h.answer.indexOf("\r\n");
    return end < 0 ? h.answer.toString() : h.answer.substring(0, end);
  }
}
