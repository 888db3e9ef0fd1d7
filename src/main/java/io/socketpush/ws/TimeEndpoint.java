package io.socketpush.ws;

import io.socketpush.core.Hub;
import io.socketpush.time.TickFanOut;
import io.vertx.core.http.WebSocketFrame;

/** {@code /ws/time}: the socket follows the {@code time} channel of its event loop's hub. What it sends is ignored. */
public final class TimeEndpoint implements Endpoint {
  private final Hub hub;

  public TimeEndpoint(Hub hub) {
    this.hub = hub;
  }

  @Override
  public String name() {
    return "time";
  }

  @Override
  public void opened(WsSession session) {
    hub.subscribe(TickFanOut.CHANNEL, session);
  }

  @Override
  public void frame(WsSession session, WebSocketFrame frame) {
  }

  @Override
  public void closed(WsSession session) {
    hub.unsubscribe(TickFanOut.CHANNEL, session);
  }
}
