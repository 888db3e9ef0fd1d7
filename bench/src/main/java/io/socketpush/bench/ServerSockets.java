package io.socketpush.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server's established TCP connections on its port, as the kernel counts them ({@code ss -tin}): how many
 * are open, and per connection the payload bytes both ways and the segments both ways. Two snapshots give what
 * crossed the wire in between, TCP/IP headers included, for the connections open at both ends of the interval.
 */
final class ServerSockets {
  /**
   * IPv4 (20) + TCP (20) + the timestamp option with its padding (12): every segment on this machine
   * ({@code net.ipv4.tcp_timestamps = 1}), data or bare ACK. A link layer would add its own on a real network.
   */
  static final int TCP_IP_HEADER_BYTES = 52;
  private static final Pattern FIELD = Pattern.compile("(bytes_sent|bytes_received|segs_out|segs_in):(\\d+)");

  /** Per peer address: payload bytes both ways, segments both ways. */
  final Map<String, long[]> byPeer;

  private ServerSockets(Map<String, long[]> byPeer) {
    this.byPeer = byPeer;
  }

  static ServerSockets snapshot(int port) {
    String out = Proc.run("ss", "-tinH", "state", "established", "( sport = :" + port + " )");
    Map<String, long[]> byPeer = new HashMap<>();
    String peer = null;
    for (String line : out.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      if (!Character.isWhitespace(line.charAt(0))) { // "Recv-Q Send-Q Local:Port Peer:Port"
        String[] f = line.trim().split("\\s+");
        peer = f.length >= 4 ? f[3] : null;
        continue;
      }
      if (peer != null) {
        long[] v = new long[2];
        Matcher m = FIELD.matcher(line);
        while (m.find()) { // ss leaves out a counter that is still 0
          v[m.group(1).startsWith("bytes") ? 0 : 1] += Long.parseLong(m.group(2));
        }
        byPeer.put(peer, v);
        peer = null;
      }
    }
    return new ServerSockets(byPeer);
  }

  int open() {
    return byPeer.size();
  }

  /** {payload bytes, segments} that crossed the connections present in both snapshots, between them. */
  long[] since(ServerSockets before) {
    long[] d = new long[2];
    byPeer.forEach((peer, now) -> {
      long[] then = before.byPeer.get(peer);
      if (then != null) {
        d[0] += now[0] - then[0];
        d[1] += now[1] - then[1];
      }
    });
    return d;
  }

  /** Connections that opened or closed in between: their bytes are missing from {@link #since}. */
  int churn(ServerSockets before) {
    int both = 0;
    for (String peer : byPeer.keySet()) {
      if (before.byPeer.containsKey(peer)) {
        both++;
      }
    }
    return byPeer.size() + before.byPeer.size() - 2 * both;
  }
}
