package io.socketpush.transport;

import io.socketpush.internal.Frames;
import io.netty.buffer.ByteBuf;
import io.socketpush.core.EndpointMeters;
import io.socketpush.core.Hub;
import io.socketpush.core.Publication;
import io.socketpush.core.PushStats;
import io.socketpush.core.Subscriber;
import io.socketpush.time.TickFanOut;
import io.socketpush.wire.CloseCodes;
import io.socketpush.ws.Endpoint;
import io.socketpush.ws.WsSession;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.http.WebSocketFrameType;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The WebSocket transports of {@code /sockjs/time}, served on the WebSocket pipeline (origin, token, limits,
 * pings, idle and drain as on {@code /ws/time}) because the server's handshake handler sees every upgrade
 * before the router: {@code /sockjs/time/<server>/<session>/websocket} speaks SockJS framing ({@code o} on
 * open, each tick as an {@code a[...]} frame), and {@code /sockjs/time/websocket}, SockJS's raw transport,
 * is the plain tick JSON like {@code /ws/time}.
 */
final class SockJsWebSocket implements Endpoint {
  private static final Pattern FRAMED = framed(SockJsConversations.TIME_PATH);
  private static final String RAW = SockJsConversations.TIME_PATH + "/websocket";
  /** A tick as SockJS's "a" frame: {@code a["{\"time\":...}"]}. */
  private static final Function<Publication, ByteBuf> ARRAY_FRAME = p -> SockJsFraming.array(p.dataJson());

  private final Hub hub;
  private final PushStats stats;
  private final EndpointMeters meters;
  private final long slowConsumerCloseMs;
  private final Map<WsSession, Subscriber> framed = new HashMap<>();

  SockJsWebSocket(Hub hub, PushStats stats, long slowConsumerCloseMs) {
    this.hub = hub;
    this.stats = stats;
    this.meters = stats.endpoint(name());
    this.slowConsumerCloseMs = slowConsumerCloseMs;
  }

  /** Whether an upgrade to this path is one of SockJS's WebSocket transports. */
  static boolean matches(String path) {
    return path.equals(RAW) || FRAMED.matcher(path).matches();
  }

  /** The paths of SockJS's framed WebSocket transport under a SockJS path: {@code <base>/<server>/<session>/websocket}. */
  static Pattern framed(String base) {
    return Pattern.compile("^" + Pattern.quote(base) + "/[^/.]+/[^/.]+/websocket$");
  }

  @Override
  public String name() {
    return "sockjs";
  }

  @Override
  public void opened(WsSession session) {
    if (session.socket().path().equals(RAW)) {
      hub.subscribe(TickFanOut.CHANNEL, session); // the session writes the tick JSON itself
      return;
    }
    session.socket().writeTextMessage("o");
    Subscriber frames = new TickFrames(session);
    framed.put(session, frames);
    hub.subscribe(TickFanOut.CHANNEL, frames);
  }

  @Override
  public void frame(WsSession session, WebSocketFrame frame) {
    // what the client sends is ignored, as on /ws/time
  }

  @Override
  public void closed(WsSession session) {
    Subscriber frames = framed.remove(session);
    hub.unsubscribe(TickFanOut.CHANNEL, frames != null ? frames : session);
  }

  /** Writes each tick to one framed session as an {@code a[...]} frame, skipping while its queue is full. */
  private final class TickFrames implements Subscriber {
    private final WsSession session;
    private long fullSinceMs;

    TickFrames(WsSession session) {
      this.session = session;
    }

    @Override
    public void deliver(Publication tick) {
      ServerWebSocket ws = session.socket();
      if (ws.writeQueueFull()) {
        if (fullSinceMs == 0) {
          fullSinceMs = tick.receivedAtMs();
        }
        stats.skippedSlow();
        if (tick.receivedAtMs() - fullSinceMs >= slowConsumerCloseMs) {
          session.close(CloseCodes.POLICY_VIOLATION, "slow consumer");
        }
        return;
      }
      fullSinceMs = 0;
      ByteBuf frame = tick.encoded(ARRAY_FRAME);
      ws.writeFrame(Frames.frame(WebSocketFrameType.TEXT, frame.duplicate(), true));
      meters.out(frame.readableBytes(), true);
    }
  }
}
