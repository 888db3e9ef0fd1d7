package io.socketpush.config;

import java.net.URI;
import java.util.Arrays;
import java.util.List;

/**
 * Where socket-push asks the application beside it (see {@code docs/beside-your-app.md}).
 *
 * @param connectUrl   asked before a connection without a token is accepted; empty: not asked
 * @param subscribeUrl asked before a subscription to a channel whose rule says {@code "subscribe":"proxy"}
 * @param publishUrl   asked before a client's publication on a channel whose rule says {@code "publish":"proxy"}
 * @param timeoutMs    a call not answered in full by then is refused: a slow application never holds a handshake
 * @param headers      the original request's headers passed on (the session cookie), by name
 * @param maxInFlight  calls this node makes at once: a hung application cannot pile up pending handshakes
 */
public record ProxyConfig(String connectUrl, String subscribeUrl, String publishUrl, long timeoutMs,
                          List<String> headers, int maxInFlight) {

  public boolean connect() {
    return !connectUrl.isEmpty();
  }

  /** An http(s) URL, or empty. */
  static String url(String raw) {
    String url = raw.trim();
    if (url.isEmpty()) {
      return url;
    }
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a URL");
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
      throw new IllegalArgumentException("an http:// or https:// URL with a host");
    }
    return url;
  }

  static List<String> headers(String raw) {
    return Arrays.stream(raw.split(",")).map(String::trim).filter(h -> !h.isEmpty()).toList();
  }
}
