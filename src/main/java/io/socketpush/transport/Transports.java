package io.socketpush.transport;

import io.socketpush.core.PushStats;
import io.socketpush.core.UserConnection;
import io.socketpush.security.HandshakePolicy;
import io.socketpush.channel.ChannelFanOut;
import io.socketpush.config.ServiceConfig;
import io.socketpush.core.Hub;
import io.socketpush.time.TickFanOut;
import io.socketpush.ws.ChannelEndpoint;
import io.socketpush.ws.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

import java.time.InstantSource;
import java.util.regex.Pattern;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The ticks and the channels over every transport besides the WebSocket paths {@code /ws/time} and
 * {@code /ws}, for one HTTP verticle instance: polling, long-polling, Server-Sent Events and SockJS. All of
 * them read from the instance's one {@link Hub}, {@link TickFanOut} and {@link ChannelFanOut}, so adding a
 * client adds no event-bus consumer and no timer.
 *
 * <table>
 *   <tr><td>{@code GET /api/time}</td><td>{@link Poll}</td></tr>
 *   <tr><td>{@code GET /api/time/next?after=<ts>}</td><td>{@link LongPoll}</td></tr>
 *   <tr><td>{@code GET /sse/time}</td><td>{@link SseStreams}, {@link SseTicks}</td></tr>
 *   <tr><td>{@code GET /sse/channels/{name}}</td><td>{@link SseStreams}, {@link SseChannels}</td></tr>
 *   <tr><td>{@code /sockjs/time}</td><td>{@link SockJsSessions}, {@link SockJsWebSocket}</td></tr>
 *   <tr><td>{@code /sockjs/channels}</td><td>{@link SockJsSessions}, {@link ChannelEndpoint} with {@link SockJsFraming}</td></tr>
 * </table>
 */
public final class Transports {
  /** On an SSE stream and a held long-poll: the connection's id, the {@code client} the connect proxy was told. */
  static final String CLIENT_HEADER = "Socket-Push-Client";
  private static final String CHANNELS_RAW = SockJsConversations.CHANNELS_PATH + "/websocket";
  private static final Pattern CHANNELS_FRAMED = SockJsWebSocket.framed(SockJsConversations.CHANNELS_PATH);
  private static final String SOCKJS_CHANNELS = "sockjs-channels";

  private final TokenExpiry tokenExpiry;
  private final Poll poll;
  private final LongPoll longPoll;
  private final SseStreams sse;
  private final SseTicks sseTicks;
  private final SseChannels sseChannels;
  private final SockJsSessions sockJsTime;
  private final SockJsSessions sockJsChannels;
  private final SockJsWebSocket sockJsWebSocket;
  private final Endpoint channelsRawWebSocket;
  private final Endpoint channelsFramedWebSocket;

  public Transports(Vertx vertx, ServiceConfig config, HandshakePolicy handshakes, PushStats stats, BooleanSupplier draining,
                    Hub hub, TickFanOut fanOut, ChannelFanOut channels, InstantSource clock) {
    Gate gate = new Gate(handshakes, stats, draining);
    this.tokenExpiry = new TokenExpiry(vertx, clock);
    this.poll = new Poll(fanOut, gate, stats.endpoint("poll"));
    this.longPoll = new LongPoll(vertx, config.transports().longPollTimeoutMs(), hub, fanOut, gate,
        stats.endpoint("longpoll"), clock);
    this.sse = new SseStreams(vertx, config, gate, tokenExpiry, stats, clock);
    this.sseTicks = new SseTicks(hub, fanOut, clock);
    this.sseChannels = new SseChannels(channels);
    this.sockJsTime = new SockJsSessions(vertx, config, gate, tokenExpiry, stats, clock, SockJsConversations.TIME_PATH, "sockjs",
        SockJsConversations.ticks(hub));
    this.sockJsChannels = new SockJsSessions(vertx, config, gate, tokenExpiry, stats, clock, SockJsConversations.CHANNELS_PATH,
        SOCKJS_CHANNELS, SockJsConversations.channels(channels));
    this.sockJsWebSocket = new SockJsWebSocket(hub, stats, config.ws().slowConsumerCloseMs());
    this.channelsRawWebSocket = new ChannelEndpoint(SOCKJS_CHANNELS, channels, ChannelEndpoint.Framing.PLAIN);
    this.channelsFramedWebSocket = new ChannelEndpoint(SOCKJS_CHANNELS, channels, SockJsFraming.INSTANCE);
  }

  /** Adds the routes; call on the instance's event loop, before any catch-all route. */
  public void mount(Router router) {
    router.get("/api/time").handler(poll::handle);
    router.get("/api/time/next").handler(longPoll::handle);
    router.get("/sse/time").handler(sse.handler("sse", sseTicks));
    router.get("/sse/channels/:name").handler(sse.handler("sse-channels", sseChannels));
    sockJsTime.mount(router);
    sockJsChannels.mount(router);
  }

  /** The endpoint for a WebSocket upgrade to one of these transports' paths, or null. */
  public Endpoint webSocketEndpoint(String path) {
    if (SockJsWebSocket.matches(path)) {
      return sockJsWebSocket;
    }
    if (path.equals(CHANNELS_RAW)) {
      return channelsRawWebSocket; // SockJS's raw WebSocket: the protocol exactly as on /ws
    }
    return CHANNELS_FRAMED.matcher(path).matches() ? channelsFramedWebSocket : null;
  }

  /** Starts the one heartbeat timer, the one long-poll sweep and the one token-expiry check of this instance. */
  public void start() {
    tokenExpiry.start();
    sse.start();
    longPoll.start();
  }

  /**
   * Graceful drain: held long-polls get 204, SSE streams end, SockJS sessions close (SockJS WebSockets close
   * with the other sockets). Completes when all are done. Call on the instance's event loop.
   */
  public Future<Void> drain() {
    return Future.join(longPoll.drain(), sse.drain(), sockJsTime.drain(), sockJsChannels.drain()).mapEmpty();
  }

  /**
   * Closes every SSE stream, SockJS session and held long-poll of a user (SockJS over WebSocket is one of
   * the instance's sockets, closed with them); returns how many. Call on the instance's event loop.
   */
  public int closeUser(String user, short code, String reason) {
    return sse.closeUser(user, code) + sockJsTime.closeUser(user, code, reason) + sockJsChannels.closeUser(user, code, reason)
        + longPoll.closeUser(user);
  }

  /**
   * Hands each SSE stream, SockJS session and held long-poll of a user to {@code found} (SockJS over WebSocket
   * is listed with the instance's sockets). Call on the instance's event loop.
   */
  public void connectionsOf(String user, Consumer<UserConnection> found) {
    sse.connectionsOf(user, found);
    sockJsTime.connectionsOf(user, found);
    sockJsChannels.connectionsOf(user, found);
    longPoll.connectionsOf(user, found);
  }

  public void stop() {
    tokenExpiry.stop();
    sse.stop();
    longPoll.stop();
  }
}
