package io.socketpush.security;

import io.socketpush.config.SecurityConfig.JwtConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Checks the JWT of a handshake with vertx-auth-jwt: from {@code Authorization: Bearer}, or from the
 * {@code token} query parameter for browsers, which cannot set headers on a WebSocket.
 */
public final class TokenAuthenticator {
  private final JwtConfig config;
  private final JWTAuth jwt;

  public TokenAuthenticator(Vertx vertx, JwtConfig config) {
    this.config = config;
    if (!config.configured()) {
      this.jwt = null;
      return;
    }
    JWTOptions options = new JWTOptions().setLeeway(5);
    if (!config.issuer().isEmpty()) {
      options.setIssuer(config.issuer());
    }
    if (!config.audience().isEmpty()) {
      options.addAudience(config.audience());
    }
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(key(config.algorithm(), config.key()))
        .setJWTOptions(options));
  }

  /** Whether every connection needs a valid token ({@code security.jwt.required}). */
  public boolean required() {
    return config.required();
  }

  /** Who is connecting: null when no token is required and none was sent; fails with 401 otherwise. */
  public Future<Principal> authenticate(ServerWebSocketHandshake handshake) {
    String token = token(handshake.headers(), handshake.query());
    if (token == null) {
      return config.required() ? Future.failedFuture(new Refusal(401, "token missing")) : Future.succeededFuture();
    }
    if (jwt == null) {
      return Future.failedFuture(new Refusal(401, "token not accepted: no key configured"));
    }
    Future<io.vertx.ext.auth.User> user;
    try {
      user = jwt.authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      // vertx-auth-jwt 5.0 throws rather than fails on some well-signed claims of the wrong type (a string
      // exp: ClassCastException), which would leave the handshake unanswered
      user = Future.failedFuture(e);
    }
    return user.transform(done -> {
      if (done.failed()) {
        return Future.failedFuture(new Refusal(401, "token invalid"));
      }
      // vertx-auth keeps exp (validated already) among the user's attributes, sub in both
      Object exp = done.result().attributes().getValue("exp");
      Object sub = done.result().attributes().getValue("sub");
      if ((exp != null && !(exp instanceof Number)) || (sub != null && !(sub instanceof String))) {
        return Future.failedFuture(new Refusal(401, "token invalid"));
      }
      if (sub != null && !UserIds.valid((String) sub)) {
        return Future.failedFuture(new Refusal(401, "token subject not a valid user id"));
      }
      return Future.succeededFuture(new Principal((String) sub, exp == null ? 0 : ((Number) exp).longValue() * 1000));
    });
  }

  /**
   * The key of one algorithm, shared by the check here and by {@link TokenIssuer}, so both read a
   * secret the same way: an HS256 secret is used as text (its UTF-8 bytes), never base64-decoded.
   *
   * @param material the HS256 secret, or a PEM key (public to verify, PKCS#8 private to sign)
   */
  static PubSecKeyOptions key(String algorithm, String material) {
    return new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(material);
  }

  static String token(MultiMap headers, String query) {
    String authorization = headers.get("Authorization");
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return authorization.substring(7).trim();
    }
    if (query != null) {
      for (String pair : query.split("&")) {
        if (pair.startsWith("token=")) {
          return URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
        }
      }
    }
    return null;
  }

  /** Whether a token was sent at all (a connection without one may be vouched for by the application instead). */
  public static boolean hasToken(ServerWebSocketHandshake handshake) {
    return token(handshake.headers(), handshake.query()) != null;
  }

  /**
   * @param subject     the user: the token's {@code sub}, or the connect proxy's {@code user}; or null
   * @param expiresAtMs when the token (or the application's {@code expireAt}) expires: the socket is closed with
   *                    1008 then; 0 for never
   * @param name        a display name the application gave, or null
   * @param channels    channels the application subscribes the connection to at once, server-side
   */
  public record Principal(String subject, long expiresAtMs, String name, java.util.List<String> channels) {
    public Principal(String subject, long expiresAtMs) {
      this(subject, expiresAtMs, null, java.util.List.of());
    }
  }
}
