package io.socketpush.ws;

import io.vertx.core.http.WebSocketFrame;

/** {@code /ws/echo}: every message goes straight back, same type, same order. Never touches the event bus. */
public final class EchoEndpoint implements Endpoint {
  private final int messagesPerSecond;

  /** @param messagesPerSecond what one socket may send per second (1008 beyond); 0 for no limit */
  public EchoEndpoint(int messagesPerSecond) {
    this.messagesPerSecond = messagesPerSecond;
  }

  @Override
  public int messagesPerSecond() {
    return messagesPerSecond;
  }

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
