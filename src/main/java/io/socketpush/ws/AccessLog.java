package io.socketpush.ws;

import io.socketpush.security.Refusal;
import io.vertx.core.http.ServerWebSocketHandshake;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per socket opened, per socket closed and per refused handshake, on the logger
 * {@code socketpush.access} (its level turns them off). Never a query string, so no token reaches a
 * log, and nothing per message.
 */
public final class AccessLog {
  private static final Logger LOG = LoggerFactory.getLogger("socketpush.access");

  private AccessLog() {
  }

  static void opened(WsSession session) {
    if (LOG.isInfoEnabled()) {
      LOG.info("socket opened endpoint={} remote={} path={} client={} subject={}", session.endpointName(),
          session.socket().remoteAddress(), session.socket().path(), session.client(), session.subject());
    }
  }

  static void closed(WsSession session, int code, String reason, long durationMs, long in, long out) {
    if (LOG.isInfoEnabled()) {
      LOG.info("socket closed endpoint={} remote={} client={} code={} reason=\"{}\" durationMs={} messagesIn={} messagesOut={}",
          session.endpointName(), session.socket().remoteAddress(), session.client(), code, reason == null ? "" : reason,
          durationMs, in, out);
    }
  }

  public static void refused(ServerWebSocketHandshake handshake, Refusal refusal) {
    if (LOG.isInfoEnabled()) {
      LOG.info("handshake refused status={} reason=\"{}\" path={} remote={} origin={}", refusal.status(),
          refusal.reason(), handshake.path(), handshake.remoteAddress(), handshake.headers().get("Origin"));
    }
  }
}
