package io.socketpush.config;

import java.util.List;

/**
 * What a handshake must show before it becomes a socket.
 *
 * @param allowedOrigins exact origins, plus the keywords {@code self} and {@code localhost}: against
 *                       cross-site WebSocket hijacking (a foreign page opening a socket with the user's cookies)
 * @param requireOrigin  refuse clients that send no Origin (only browsers are expected)
 * @param jwt            token authentication
 * @param tlsCert        PEM certificate chain; empty: plain HTTP
 * @param tlsKey         PEM private key
 */
public record SecurityConfig(List<String> allowedOrigins, boolean requireOrigin, JwtConfig jwt,
                             String tlsCert, String tlsKey) {

  public boolean tls() {
    return !tlsCert.isEmpty();
  }

  /**
   * @param required  every socket needs a valid token; otherwise only a token that is sent is checked
   * @param algorithm HS256, RS256 or ES256
   * @param key       the HS256 secret or the PEM public key (text)
   * @param issuer    required iss, or empty
   * @param audience  required aud, or empty
   */
  public record JwtConfig(boolean required, String algorithm, String key, String issuer, String audience) {
    public boolean configured() {
      return !key.isEmpty();
    }
  }
}
