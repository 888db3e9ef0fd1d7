package io.socketpush.security;

import io.socketpush.config.SecurityConfig.JwtConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.time.Duration;

/**
 * Makes the tokens {@link TokenAuthenticator} accepts: signed with the configured HS256 secret (or,
 * for RS256/ES256, with the private key of the configured public one), with the configured issuer
 * and audience, for one subject and a limited time.
 */
public final class TokenIssuer {
  private final JwtConfig config;
  private final JWTAuth jwt;

  /**
   * @param signingKey for RS256/ES256, the PKCS#8 PEM private key; ignored for HS256, which signs
   *                   with the secret it verifies with
   */
  public TokenIssuer(Vertx vertx, JwtConfig config, String signingKey) {
    this.config = config;
    String key = config.algorithm().equals("HS256") ? config.key() : signingKey;
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException(config.algorithm().equals("HS256")
          ? "no HS256 secret is configured (security.jwt.secret, JWT_SECRET)"
          : config.algorithm() + " tokens need the private key");
    }
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(TokenAuthenticator.key(config.algorithm(), key)));
  }

  /** A token for {@code subject}, valid from now for {@code ttl}. */
  public String issue(String subject, Duration ttl) {
    JWTOptions options = new JWTOptions().setAlgorithm(config.algorithm()).setSubject(subject)
        .setExpiresInSeconds((int) Math.min(Integer.MAX_VALUE, ttl.toSeconds()));
    if (!config.issuer().isEmpty()) {
      options.setIssuer(config.issuer());
    }
    if (!config.audience().isEmpty()) {
      options.addAudience(config.audience());
    }
    return jwt.generateToken(new JsonObject(), options);
  }
}
