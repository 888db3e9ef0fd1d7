package io.socketpush.ws;

import io.vertx.core.http.WebSocketFrame;

/** {@code /ws/echo}: every message goes straight back, same type, same order. Never touches the event bus. */
public final class EchoEndpoint implements Endpoint {
  @Override
  public String name() {
    return "echo";
  }

  @Override
  public void opened(WsSession session) {
  }

  @Override
  public void frame(WsSession session, WebSocketFrame frame) {
    session.echo(frame);
  }

  @Override
  public void closed(WsSession session) {
  }
}
