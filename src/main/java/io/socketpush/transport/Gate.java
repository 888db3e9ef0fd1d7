package io.socketpush.transport;

import io.socketpush.core.PushStats;
import io.socketpush.security.HandshakePolicy;
import io.socketpush.security.Refusal;
import io.socketpush.ws.AccessLog;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocketHandshake;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.BooleanSupplier;

/**
 * The WebSocket handshake rules applied to HTTP requests. Long-lived transports (an SSE stream, a held
 * long-poll, a SockJS session) are {@link #admit admitted} exactly like a socket: origin, rate, token and a
 * connection slot of the node. A request that is answered at once (a poll, a long-poll with a newer tick
 * waiting) is only {@link #check checked}: origin and token, no slot, no rate token.
 */
final class Gate {
  private static final Logger LOG = LoggerFactory.getLogger(Gate.class);
  private final HandshakePolicy handshakes;
  private final PushStats stats;
  private final BooleanSupplier draining;

  Gate(HandshakePolicy handshakes, PushStats stats, BooleanSupplier draining) {
    this.handshakes = handshakes;
    this.stats = stats;
    this.draining = draining;
  }

  boolean tls() {
    return handshakes.tls();
  }

  /** Origin and token; fails with a {@link Refusal} (403, 401). */
  Future<Void> check(ServerWebSocketHandshake request) {
    return handshakes.check(request).mapEmpty();
  }

  /** Origin, and a token unless the session's admission asks the application instead; fails with a {@link Refusal}. */
  Future<Void> checkWithinSession(ServerWebSocketHandshake request) {
    return handshakes.checkWithinSession(request);
  }

  /** Everything a WebSocket handshake passes, holding a slot that {@link HandshakePolicy.Admission#release()} gives back. */
  Future<HandshakePolicy.Admission> admit(ServerWebSocketHandshake request) {
    return admit(request, true);
  }

  /** @param newConnection whether it counts against the rate of new connections (a returning long-poll does not) */
  Future<HandshakePolicy.Admission> admit(ServerWebSocketHandshake request, boolean newConnection) {
    if (draining.getAsBoolean()) {
      return Future.failedFuture(new Refusal(503, "draining"));
    }
    return handshakes.admit(request, newConnection).compose(admission -> {
      if (draining.getAsBoolean()) {
        admission.release().run();
        return Future.failedFuture(new Refusal(503, "draining"));
      }
      return Future.succeededFuture(admission);
    });
  }

  /** Answers a refused request with its status, counted and logged like a refused handshake. */
  void refuse(HttpServerRequest request, Throwable cause) {
    Refusal refusal = refusal(RequestHandshake.of(request), cause);
    if (!request.response().ended() && !request.response().closed()) {
      request.response().setStatusCode(refusal.status()).putHeader("Cache-Control", "no-cache").end(refusal.reason());
    }
  }

  /** Counts and logs a refusal; returns it so the caller can answer in its own way. */
  Refusal refusal(ServerWebSocketHandshake request, Throwable cause) {
    Refusal refusal = cause instanceof Refusal r ? r : new Refusal(500, "internal error");
    if (!(cause instanceof Refusal)) {
      LOG.warn("request failed on {}: {}", request.path(), cause.toString());
    }
    stats.handshakeRefused(refusal.reason());
    AccessLog.refused(request, refusal);
    return refusal;
  }
}
