package io.socketpush.transport;

import io.socketpush.NodeState;
import io.socketpush.config.ServiceConfig;
import io.socketpush.security.HandshakePolicy;
import io.socketpush.security.OriginPolicy;
import io.socketpush.security.Refusal;
import io.socketpush.security.TokenAuthenticator;
import io.socketpush.ws.AccessLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocketHandshake;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket handshake rules applied to HTTP requests. Long-lived transports (an SSE stream, a held
 * long-poll, a SockJS session) are {@link #admit admitted} exactly like a socket: origin, rate, token and a
 * connection slot of the node. A request that is answered at once (a poll, a long-poll with a newer tick
 * waiting) is only {@link #check checked}: origin and token, no slot, no rate token.
 */
final class Gate {
  private static final Logger LOG = LoggerFactory.getLogger(Gate.class);
  private final NodeState node;
  private final OriginPolicy origins;
  private final TokenAuthenticator tokens;
  private final boolean tls;

  Gate(Vertx vertx, ServiceConfig config, NodeState node) {
    this.node = node;
    this.origins = new OriginPolicy(config.security().allowedOrigins(), config.security().requireOrigin());
    this.tokens = new TokenAuthenticator(vertx, config.security().jwt());
    this.tls = config.security().tls();
  }

  boolean tls() {
    return tls;
  }

  /** Origin and token; fails with a {@link Refusal} (403, 401). */
  Future<Void> check(ServerWebSocketHandshake request) {
    String why = origins.check(request.headers().get("Origin"), request.headers().get("Host"), tls);
    if (why != null) {
      return Future.failedFuture(new Refusal(403, why));
    }
    return tokens.authenticate(request).mapEmpty();
  }

  /** Everything a WebSocket handshake passes, holding a slot that {@link HandshakePolicy.Admission#release()} gives back. */
  Future<HandshakePolicy.Admission> admit(ServerWebSocketHandshake request) {
    if (node.draining()) {
      return Future.failedFuture(new Refusal(503, "draining"));
    }
    return node.handshakes().admit(request).compose(admission -> {
      if (node.draining()) {
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
    node.stats().handshakeRefused(refusal.reason());
    AccessLog.refused(request, refusal);
    return refusal;
  }
}
