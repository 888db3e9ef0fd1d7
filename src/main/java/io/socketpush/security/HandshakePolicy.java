package io.socketpush.security;

import io.socketpush.config.ServiceConfig;
import io.socketpush.proxy.AppProxy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocketHandshake;

import java.time.InstantSource;
import java.util.Base64;
import java.util.UUID;

/**
 * Everything a handshake must pass, cheapest first: origin, a connection slot (per instance and per
 * address), rate, then the token (the only costly check). Shared by the instance's HTTP verticles.
 */
public final class HandshakePolicy {
  private final OriginPolicy origins;
  private final ConnectionLimits limits;
  private final TokenAuthenticator tokens;
  private final ConnectProxy connectProxy;
  private final boolean tls;

  /** @param clock the node's clock: the rate of new connections is counted on it */
  public HandshakePolicy(Vertx vertx, ServiceConfig config, InstantSource clock) {
    this(vertx, config, null, clock);
  }

  /**
   * @param proxy the application's proxy, asked who a connection without a token is where {@code proxy.connectUrl} is set; or null
   * @param clock the node's clock: the rate of new connections is counted on it
   */
  public HandshakePolicy(Vertx vertx, ServiceConfig config, AppProxy proxy, InstantSource clock) {
    this.origins = new OriginPolicy(config.security().allowedOrigins(), config.security().requireOrigin());
    this.limits = new ConnectionLimits(config.limits(), clock);
    this.tokens = new TokenAuthenticator(vertx, config.security().jwt());
    this.connectProxy = proxy != null && proxy.asks(AppProxy.Kind.CONNECT) ? new ConnectProxy(proxy, clock) : null;
    this.tls = config.security().tls();
  }

  /** Admits the handshake, holding a connection slot that {@link Admission#release()} gives back; or fails with a {@link Refusal}. */
  public Future<Admission> admit(ServerWebSocketHandshake handshake) {
    return admit(handshake, true);
  }

  /**
   * @param newConnection whether it takes a token of {@code limits.newConnectionsPerSecond}: not for a
   *                      long-poll, whose client comes back after every answer by design
   */
  public Future<Admission> admit(ServerWebSocketHandshake handshake, boolean newConnection) {
    String why = originRefusal(handshake);
    if (why != null) {
      return Future.failedFuture(new Refusal(403, why));
    }
    // the slot first: an address at its own limit must not spend the shared handshake budget, or one
    // address could starve everyone's handshakes; the slot is given back if the rate or the token refuse
    String ip = handshake.remoteAddress().hostAddress();
    try {
      limits.acquire(ip);
    } catch (Refusal refusal) {
      return Future.failedFuture(refusal);
    }
    Runnable release = () -> limits.release(ip);
    if (newConnection) {
      try {
        limits.checkRate();
      } catch (Refusal refusal) {
        release.run();
        return Future.failedFuture(refusal);
      }
    }
    // the connection's id from the first moment: the application is told it, presence, the proxy calls and the logs show it
    String client = UUID.randomUUID().toString();
    Future<TokenAuthenticator.Principal> principal;
    try {
      principal = identify(handshake, client);
    } catch (RuntimeException e) {
      release.run();
      return Future.failedFuture(e);
    }
    return principal.<Admission>map(p -> new Admission(client, p, release)).onFailure(e -> release.run());
  }

  /**
   * What RFC 6455 (4.2.1) asks of a WebSocket opening handshake and Netty lets through: version 13 only
   * (Netty also speaks the drafts 7, 8 and 00), and a key that is 16 bytes in base64. Null if it is one.
   */
  public static Refusal protocolRefusal(ServerWebSocketHandshake handshake) {
    if (!"13".equals(handshake.headers().get("Sec-WebSocket-Version"))) {
      return new Refusal(426, "unsupported WebSocket version");
    }
    String key = handshake.headers().get("Sec-WebSocket-Key");
    try {
      if (key == null || Base64.getDecoder().decode(key.trim()).length != 16) {
        return new Refusal(400, "bad Sec-WebSocket-Key");
      }
    } catch (IllegalArgumentException e) {
      return new Refusal(400, "bad Sec-WebSocket-Key");
    }
    return null;
  }

  /** The token's subject; without a token, the application's answer where it is asked (a valid token skips it). */
  private Future<TokenAuthenticator.Principal> identify(ServerWebSocketHandshake handshake, String client) {
    if (connectProxy != null && !TokenAuthenticator.hasToken(handshake)) {
      return connectProxy.ask(handshake, client);
    }
    return tokens.authenticate(handshake);
  }

  /**
   * Origin and token only, for a request answered at once: no slot, no rate token. Where tokens are required
   * and none is sent, the application's connect proxy may vouch instead, as for a connection.
   */
  public Future<TokenAuthenticator.Principal> check(ServerWebSocketHandshake request) {
    String why = originRefusal(request);
    if (why != null) {
      return Future.failedFuture(new Refusal(403, why));
    }
    if (connectProxy != null && tokens.required() && !TokenAuthenticator.hasToken(request)) {
      return connectProxy.ask(request, UUID.randomUUID().toString());
    }
    return tokens.authenticate(request);
  }

  /**
   * Origin, and a token if one is sent, for a request of a session that is {@link #admit admitted} on its own
   * (a SockJS session): without a token, where the application's connect proxy is asked, the session's
   * admission asks it, once, rather than every request of the session.
   */
  public Future<Void> checkWithinSession(ServerWebSocketHandshake request) {
    if (connectProxy != null && !TokenAuthenticator.hasToken(request)) {
      String why = originRefusal(request);
      return why != null ? Future.failedFuture(new Refusal(403, why)) : Future.succeededFuture();
    }
    return check(request).mapEmpty();
  }

  /** Connection slots held on this node, every transport. */
  public int open() {
    return limits.open();
  }

  public boolean tls() {
    return tls;
  }

  private String originRefusal(ServerWebSocketHandshake handshake) {
    return origins.check(handshake.headers().get("Origin"), handshake.headers().get("Host"), tls);
  }

  /**
   * @param client    the connection's id, unique in the cluster: the {@code client} the connect proxy is told, presence
   *                  shows and the subscribe and publish proxies are told, and the access log prints
   * @param principal who connected, or null for an anonymous socket
   * @param release   gives the connection slot back; call once, when the socket closes
   */
  public record Admission(String client, TokenAuthenticator.Principal principal, Runnable release) {
  }
}
