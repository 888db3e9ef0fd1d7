package io.socketpush.security;

import io.socketpush.config.ServiceConfig;
import io.socketpush.proxy.AppProxy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocketHandshake;

/**
 * Everything a handshake must pass, cheapest first: origin, rate, token (the only costly check),
 * then a connection slot. Shared by the instance's HTTP verticles.
 */
public final class HandshakePolicy {
  private final OriginPolicy origins;
  private final ConnectionLimits limits;
  private final TokenAuthenticator tokens;
  private final ConnectProxy connectProxy;
  private final boolean tls;

  public HandshakePolicy(Vertx vertx, ServiceConfig config) {
    this(vertx, config, null);
  }

  /** @param proxy the application's proxy, asked who a connection without a token is where {@code proxy.connectUrl} is set; or null */
  public HandshakePolicy(Vertx vertx, ServiceConfig config, AppProxy proxy) {
    this.origins = new OriginPolicy(config.security().allowedOrigins(), config.security().requireOrigin());
    this.limits = new ConnectionLimits(config.limits());
    this.tokens = new TokenAuthenticator(vertx, config.security().jwt());
    this.connectProxy = proxy != null && proxy.asks(AppProxy.Kind.CONNECT) ? new ConnectProxy(proxy) : null;
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
    if (newConnection) {
      try {
        limits.checkRate();
      } catch (Refusal refusal) {
        return Future.failedFuture(refusal);
      }
    }
    String ip = handshake.remoteAddress().hostAddress();
    return identify(handshake).map(principal -> {
      limits.acquire(ip);
      return new Admission(principal, () -> limits.release(ip));
    });
  }

  /** The token's subject; without a token, the application's answer where it is asked (a valid token skips it). */
  private Future<TokenAuthenticator.Principal> identify(ServerWebSocketHandshake handshake) {
    if (connectProxy != null && !TokenAuthenticator.hasToken(handshake)) {
      return connectProxy.ask(handshake);
    }
    return tokens.authenticate(handshake);
  }

  /** Origin and token only, for a request answered at once: no slot, no rate token. */
  public Future<TokenAuthenticator.Principal> check(ServerWebSocketHandshake request) {
    String why = originRefusal(request);
    if (why != null) {
      return Future.failedFuture(new Refusal(403, why));
    }
    return tokens.authenticate(request);
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
   * @param principal who connected, or null for an anonymous socket
   * @param release   gives the connection slot back; call once, when the socket closes
   */
  public record Admission(TokenAuthenticator.Principal principal, Runnable release) {
  }
}
