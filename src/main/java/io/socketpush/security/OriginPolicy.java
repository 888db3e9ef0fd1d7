package io.socketpush.security;

import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which pages may open sockets (OWASP: check Origin against cross-site WebSocket hijacking). Exact
 * origins only, compared after normalising case and default ports; no wildcards, no substrings.
 * Two keywords: {@code self}, the origin the request itself was made to (its Host, same scheme), and
 * {@code localhost}, http(s) on localhost, 127.0.0.1 or [::1] on any port, for local development.
 */
public final class OriginPolicy {
  private final Set<String> exact = new HashSet<>();
  private final boolean self;
  private final boolean localhost;
  private final boolean requireOrigin;

  public OriginPolicy(List<String> allowed, boolean requireOrigin) {
    boolean self = false;
    boolean localhost = false;
    for (String entry : allowed) {
      if (entry.equalsIgnoreCase("self")) {
        self = true;
      } else if (entry.equalsIgnoreCase("localhost")) {
        localhost = true;
      } else {
        String normalised = normalise(entry);
        if (normalised == null) {
          throw new IllegalArgumentException("not an origin: '" + entry + "' (expected scheme://host[:port])");
        }
        exact.add(normalised);
      }
    }
    this.self = self;
    this.localhost = localhost;
    this.requireOrigin = requireOrigin;
  }

  /**
   * @param origin the Origin header, or null
   * @param host   the Host header the request was sent to
   * @param tls    whether the request came over TLS
   * @return null if allowed, else why not
   */
  public String check(String origin, String host, boolean tls) {
    if (origin == null || origin.isEmpty()) {
      return requireOrigin ? "origin missing" : null;
    }
    String normalised = normalise(origin);
    if (normalised == null) {
      return "origin malformed";
    }
    if (exact.contains(normalised)) {
      return null;
    }
    URI uri = URI.create(normalised);
    if (localhost && isLocal(uri.getHost())) {
      return null;
    }
    if (self && host != null && normalised.equals(normalise((tls ? "https://" : "http://") + host))) {
      return null;
    }
    return "origin not allowed";
  }

  private static boolean isLocal(String host) {
    return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]");
  }

  /** {@code scheme://host[:port]} in lower case, without the scheme's default port; null if not an origin. */
  static String normalise(String origin) {
    try {
      URI uri = new URI(origin.trim());
      String scheme = uri.getScheme();
      String host = uri.getHost();
      if (scheme == null || host == null || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))
          || uri.getQuery() != null || uri.getUserInfo() != null) {
        return null;
      }
      scheme = scheme.toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        return null;
      }
      int port = uri.getPort();
      boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
      return scheme + "://" + host.toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    } catch (Exception e) {
      return null;
    }
  }
}
