package io.socketpush.server;

import io.socketpush.internal.VertxInternals;
import io.netty.channel.Channel;
import io.socketpush.config.LimitsConfig;
import io.socketpush.core.PushStats;
import io.socketpush.security.PendingRequests;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The bounds of the plain HTTP connections of one HTTP verticle instance, against slowloris and its kin: a
 * connection must send a request's whole head within {@code limits.httpHeaderTimeoutMs} of being accepted (or
 * of its previous response's end), then the body, or the answer to its WebSocket handshake, must come within
 * {@code limits.httpBodyTimeoutMs}; an address holds at most {@code limits.pendingRequestsPerIp} connections
 * waiting so, beyond which a new one is closed at once. An idle timeout cannot do this: a client trickling a byte
 * every few seconds is never idle.
 *
 * <p>Each connection gets a {@link RequestWatch} in its Netty pipeline, which sees the request heads, the ends
 * of bodies and of responses, and the 101 of an upgrade (then it leaves: WebSockets have bounds of their own).
 * One timer of the instance sweeps them; no timer per connection. Everything runs on the instance's event loop:
 * Vert.x serves a connection on the event loop of the instance that accepted it.
 *
 * <p>Vert.x internals behind one door: the Netty channel of a connection ({@link VertxInternals#http1Channel}), and
 * Vert.x calling the connection handler at accept. It does so only when HTTP/2 over cleartext (h2c) is off:
 * with it on (the default), the connection is made once its first bytes arrive, so a client that sends nothing
 * would be seen by no one. {@code RequestBoundsTest} keeps both true across upgrades.
 */
final class RequestDeadlines {
  static final String REASON_HEADER = "header timeout";
  static final String REASON_BODY = "body timeout";
  static final String REASON_HANDSHAKE = "handshake timeout";
  static final String REASON_PENDING = "pending requests per address";
  private static final String HANDLER = "socketpush-request-watch";

  private final Vertx vertx;
  private final PendingRequests pending;
  private final PushStats stats;
  private final long headerTimeoutNanos;
  private final long bodyTimeoutNanos;
  private final long sweepMs;
  private final Set<RequestWatch> watches = new LinkedHashSet<>();
  private long timer = -1;

  RequestDeadlines(Vertx vertx, LimitsConfig limits, PendingRequests pending, PushStats stats) {
    this.vertx = vertx;
    this.pending = pending;
    this.stats = stats;
    this.headerTimeoutNanos = limits.httpHeaderTimeoutMs() * 1_000_000L;
    this.bodyTimeoutNanos = limits.httpBodyTimeoutMs() * 1_000_000L;
    // a deadline is kept within a quarter of the shorter timeout, and at most a second late
    this.sweepMs = Math.max(10, Math.min(1000, Math.min(limits.httpHeaderTimeoutMs(), limits.httpBodyTimeoutMs()) / 4));
  }

  /** Starts the sweep; call on the instance's event loop. */
  void start() {
    timer = vertx.setPeriodic(sweepMs, id -> sweep());
  }

  void stop() {
    vertx.cancelTimer(timer);
  }

  /** The server's connection handler: watches a new connection, or closes it if its address has no slot left. */
  void accepted(HttpConnection connection) {
    Channel channel = VertxInternals.http1Channel(connection);
    if (channel == null) {
      return; // not an HTTP/1 connection as Vert.x 5.0 makes them (HTTP/2 over TLS): no request to watch
    }
    if (!channel.isActive()) {
      return; // gone already: its pipeline is torn down, and nothing would ever remove a watch added now
    }
    String ip = connection.remoteAddress().hostAddress();
    if (!pending.tryAcquire(ip)) {
      stats.httpRefused(REASON_PENDING);
      channel.close();
      return;
    }
    RequestWatch watch = new RequestWatch(this, ip, System.nanoTime());
    watches.add(watch);
    VertxInternals.addBeforeHttpHandler(channel, HANDLER, watch);
  }

  long headerTimeoutNanos() {
    return headerTimeoutNanos;
  }

  long bodyTimeoutNanos() {
    return bodyTimeoutNanos;
  }

  /** A watched connection waits again (a response ended): false if its address has no slot left. */
  boolean reacquire(String ip) {
    if (pending.tryAcquire(ip)) {
      return true;
    }
    stats.httpRefused(REASON_PENDING);
    return false;
  }

  void release(String ip) {
    pending.release(ip);
  }

  /** The watch is gone from its pipeline: the connection closed, or was upgraded. */
  void forget(RequestWatch watch) {
    watches.remove(watch);
  }

  private void sweep() {
    long now = System.nanoTime();
    for (RequestWatch watch : new ArrayList<>(watches)) {
      String reason = watch.overdue(now);
      if (reason != null) {
        watches.remove(watch);
        stats.httpRefused(reason);
        watch.close();
      }
    }
  }
}
