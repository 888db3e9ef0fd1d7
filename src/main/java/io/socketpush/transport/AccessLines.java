package io.socketpush.transport;

import io.socketpush.security.HandshakePolicy;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access-log lines of SSE streams and SockJS sessions, on the same logger and in the same shape as
 * the WebSocket ones: one when it opens, one when it closes, never a query string (where ?token= lives),
 * nothing per message. Long-polls and polls, one request per tick, get none: that would be a line per message.
 */
final class AccessLines {
  private static final Logger LOG = LoggerFactory.getLogger("socketpush.access");

  private AccessLines() {
  }

  static void opened(String endpoint, SocketAddress remote, String path, HandshakePolicy.Admission admission) {
    if (LOG.isInfoEnabled()) {
      LOG.info("stream opened endpoint={} remote={} path={} client={} subject={}", endpoint, remote, path, admission.client(),
          admission.principal() == null ? null : admission.principal().subject());
    }
  }

  static void closed(String endpoint, SocketAddress remote, String client, int code, long durationMs, long messagesOut) {
    if (LOG.isInfoEnabled()) {
      LOG.info("stream closed endpoint={} remote={} client={} code={} durationMs={} messagesOut={}", endpoint, remote, client,
          code, durationMs, messagesOut);
    }
  }
}
