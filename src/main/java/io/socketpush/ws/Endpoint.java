package io.socketpush.ws;

import io.vertx.core.http.WebSocketFrame;

/** What one WebSocket path does with its sockets. */
public interface Endpoint {
  /** The name used in stats and logs, e.g. {@code echo}. */
  String name();

  /** Messages one socket may send per second before it is closed with 1008; 0 for no limit. */
  default int messagesPerSecond() {
    return 0;
  }

  /** A socket was accepted on this endpoint. */
  void opened(WsSession session);

  /** A data frame (text, binary or continuation) that passed the checks of {@link MessageGuard}. */
  void frame(WsSession session, WebSocketFrame frame);

  /** The socket is closed; called once. */
  void closed(WsSession session);
}
